// Local, strict stand-ins for OpenHIM core, openIMIS, Fineract and the Mojaloop SDK, for tests, benchmarks and the demo.
export * from './openhim';
export * from './openimis';
export * from './fineract';
export * from './mojaloop';
export * from './upstream-env';
export { MEDIATORS, spawnMediator, type MediatorSpec, type Upstreams } from './cli/stack';
export type { DataLayout } from './cli/data-dir';
export type { MediatorSettings } from './cli/settings';
