import type { FastifyInstance, FastifyRequest } from 'fastify';
import { safeEqual } from '@payment-layer/openhim-mediator';
import { AuthenticationError } from '@payment-layer/shared-errors';
import { handleFineractHook } from '@payment-layer/flows-payment';
import { paymentResult } from './results';

/** Options of {@link hookRoutes}. */
export interface HookRouteOptions {
  /** FINERACT_HOOK_SECRET. */
  readonly secret: string;
}

/**
 * The secret a hook delivery carries: `?secret=` of the Payload URL (all a Fineract "Web" hook can be given) or the
 * password of an HTTP Basic header (a proxy or OpenHIM channel that adds one).
 */
function presentedSecret(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  if (typeof query?.secret === 'string') {
    return query.secret;
  }
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^Basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/**
 * `POST /payments/fineract/hook`: Fineract web-hook deliveries. Public for the kit (Fineract cannot present OpenHIM
 * client credentials) and authenticated here with the hook secret, compared in constant time. The body is kept as
 * text so amounts are read exactly. Info-level request logs are off for this route: its URL carries the secret.
 */
export async function hookRoutes(app: FastifyInstance, options: HookRouteOptions): Promise<void> {
  // This plugin is encapsulated: the text parser applies to the hook route only.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });
  app.post(
    '/payments/fineract/hook',
    { config: { public: true }, logLevel: 'warn' },
    async (request, reply) => {
      const secret = presentedSecret(request);
      if (secret === undefined || !safeEqual(secret, options.secret)) {
        throw new AuthenticationError('Fineract hook secret missing or wrong');
      }
      const outcome = handleFineractHook(app.payment, { headers: request.headers, body: request.body });
      return reply.sendResult(
        paymentResult(outcome, {
          event: outcome.event,
          fineractTransactionId: outcome.fineractTransactionId,
        }),
      );
    },
  );
}
