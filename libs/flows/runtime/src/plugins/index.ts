export * from './audit';
export * from './mediator-app';
export * from './single-run';
export * from './staging';
export * from './upstreams';
export * from './worker';
