export * from './bundle';
export * from './sync';
