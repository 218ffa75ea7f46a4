// OpenHIM core simulator: management API + HTTP router with in-memory state (openhim.md §12).
export { startOpenHimCore, OpenHimCoreSimulator } from './simulator';
export type { OpenHimCoreOptions, OpenHimTransactionFilter } from './simulator';
export type { OpenHimSimLogger } from './state';
export { openHimTokenHeaders } from './token';
export type { OpenHimTokenInput } from './token';
export { PASSWORD_MASK as OPENHIM_PASSWORD_MASK } from './config-rules';
export { INTERNAL_ERROR_BODY as OPENHIM_INTERNAL_ERROR_BODY } from './router';
export type * from './types';
