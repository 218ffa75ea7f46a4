// Types for the CommonJS package openhim-mediator-utils 0.4.0, which ships none (@types does not exist).
declare module 'openhim-mediator-utils' {
  import type { EventEmitter } from 'node:events';
  interface OpenHimUtilsOptions {
    apiURL: string;
    username: string;
    password: string;
    urn?: string;
    trustSelfSigned?: boolean;
  }
  type Callback = (err?: Error | null) => void;
  export function registerMediator(options: OpenHimUtilsOptions, mediatorConfig: unknown, cb: Callback): void;
  export function fetchConfig(
    options: OpenHimUtilsOptions,
    cb: (err: Error | null, config?: unknown) => void,
  ): void;
  export function activateHeartbeat(options: OpenHimUtilsOptions, intervalMs?: number): EventEmitter;
  export function deactivateHeartbeat(): void;
  export function genAuthHeaders(options: { username: string; password: string }): { Authorization: string };
}
