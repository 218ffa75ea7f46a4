export * from './http-client';
export * from './mask';
export * from './orchestrations';
