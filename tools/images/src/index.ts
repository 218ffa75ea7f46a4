// The mediator image build (one description, docker/images.json), shared by docker/Dockerfile and the image test.
export * from './images';
