// Property-based bad-input suite of the mediators: generated malformed requests against the real apps on the
// sandbox simulators, with invariants on status, state and logs. Used by each app's `test/fuzz.int.test.ts`.
export * from './capture';
export * from './cases';
export * from './run';
export * from './state';
export * from './stack';
