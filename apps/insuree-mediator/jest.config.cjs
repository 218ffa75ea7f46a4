module.exports = {
  displayName: 'insuree-mediator',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
