export * from './bundle';
export * from './outcome';
export * from './plugins';
export * from './upstream';
export * from './main';
export * from './config-checks';
export * from './sync-window';
