export * from './openimis-profile';
export * from './validation';
