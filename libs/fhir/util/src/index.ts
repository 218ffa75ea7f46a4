export * from './openimis-profile';
export * from './validation';
export * from './bundle';
