import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Bundle } from 'fhir/r4';
import { buildPaymentReconciliations } from '@payment-layer/flows-payment';

/**
 * `GET /fhir/PaymentReconciliation?from=YYYY-MM-DD&to=YYYY-MM-DD` (also `date=ge…&date=lt…`): the ledger of a period
 * as a searchset Bundle of R4 PaymentReconciliation resources.
 */
export async function reconciliationRoutes(app: FastifyInstance): Promise<void> {
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const q = (request.query ?? {}) as Record<string, string | string[] | undefined>;
    const dates = ([] as string[]).concat(q.date ?? []);
    const from = q.from ?? dates.find((d) => d.startsWith('ge'))?.slice(2);
    const to = q.to ?? dates.find((d) => d.startsWith('lt'))?.slice(2);
    // A bound in another shape (a repeated parameter) reaches the period check and is refused there.
    const resources = buildPaymentReconciliations(app.payment, { from, to } as {
      from?: string;
      to?: string;
    });
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: resources.length,
      entry: resources.map((resource) => ({
        fullUrl: `PaymentReconciliation/${resource.id ?? ''}`,
        resource,
        search: { mode: 'match' },
      })),
    };
    return reply.sendResult({
      httpStatus: 200,
      body: bundle,
      properties: { resourceType: 'PaymentReconciliation', total: resources.length },
    });
  };
  app.get('/fhir/PaymentReconciliation', handler);
  app.get('/fhir/PaymentReconciliation/', handler);
}
