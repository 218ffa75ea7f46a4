export * from './context';
export * from './group';
export * from './hash';
export * from './identity';
export * from './mappings-dir';
export * from './patient';
export * from './quirks';
export * from './savings';
