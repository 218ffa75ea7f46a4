/**
 * Placeholder: GraphQL comes next.
 */
import type { SimReply } from './http-util';
import type { OpenImisStore } from './store';

/** Input of {@link handleGraphql}. */
export interface GraphqlRequest {
  readonly store: OpenImisStore;
  readonly method: string;
  readonly body: string;
  readonly clock: () => Date;
  readonly mutationDelayMs: number;
}

/**
 * Handles `POST /api/graphql`.
 *
 * @param _req - the request
 * @returns the reply
 */
export function handleGraphql(_req: GraphqlRequest): SimReply {
  return { status: 400, body: { errors: [{ message: 'not implemented yet' }] } };
}
