// Local, strict stand-ins for OpenHIM core, openIMIS and Fineract, for tests, benchmarks and the demo.
export * from './openhim';
export * from './openimis';
export * from './fineract';
export * from './upstream-env';
export { MEDIATORS, spawnMediator, type MediatorSpec, type Upstreams } from './cli/stack';
