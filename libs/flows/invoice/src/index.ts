export * from './bundle';
export * from './context';
export * from './identity';
export * from './invoice';
export * from './quirks';
export * from './recipient';
export * from './sync';
