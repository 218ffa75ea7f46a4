export * from './bundle';
export * from './outcome';
export * from './plugins';
export * from './upstream';
