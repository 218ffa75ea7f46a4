import { createHash, randomBytes } from 'node:crypto';

/** Input of {@link openHimTokenHeaders}. */
export interface OpenHimTokenInput {
  /** User e-mail (`auth-username`). */
  readonly email: string;
  readonly password: string;
  /** The user's salt from `GET /authenticate/:email`. */
  readonly salt: string;
  /** Request time; default now. Must be within core's `authWindowSeconds` (10 s) of the server clock. */
  readonly now?: Date;
  /** Per-request random salt; default 16 random bytes in hex. */
  readonly requestSalt?: string;
}

function sha512(text: string): string {
  return createHash('sha512').update(text).digest('hex');
}

/**
 * The four headers of core's legacy token authentication (openhim.md §4):
 * `auth-token = sha512hex(sha512hex(salt + password) + auth-salt + auth-ts)`.
 *
 * @returns headers to send with one API request.
 */
export function openHimTokenHeaders(input: OpenHimTokenInput): Record<string, string> {
  const ts = (input.now ?? new Date()).toISOString();
  const requestSalt = input.requestSalt ?? randomBytes(16).toString('hex');
  const passwordHash = sha512(input.salt + input.password);
  return {
    'auth-username': input.email,
    'auth-ts': ts,
    'auth-salt': requestSalt,
    'auth-token': sha512(passwordHash + requestSalt + ts),
  };
}
