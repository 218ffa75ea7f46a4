import type { FastifyInstance } from 'fastify';
import { ValidationError } from '@payment-layer/shared-errors';
import { processInvoice, processInvoiceBundle } from '@payment-layer/flows-invoice';
import { invoiceBundleResult, invoiceResult } from './results';

/**
 * `POST /fhir/Invoice` (one invoice or a Bundle of them) and `PUT /fhir/Invoice/:id`. They apply charges by the
 * operator config (charge definition, currency, office), so they wait for it (`needsConfig`: 503 until known).
 */
export async function invoiceRoutes(app: FastifyInstance): Promise<void> {
  const config = { needsConfig: true };
  app.post('/fhir/Invoice', { config }, async (request, reply) => {
    const body = request.body as { resourceType?: unknown } | undefined;
    if (body?.resourceType === 'Bundle') {
      return reply.sendResult(invoiceBundleResult(await processInvoiceBundle(app.invoice, body)));
    }
    return reply.sendResult(invoiceResult(await processInvoice(app.invoice, body)));
  });

  app.put<{ Params: { id: string } }>('/fhir/Invoice/:id', { config }, async (request, reply) => {
    const body = request.body as { id?: unknown } | undefined;
    if (body?.id !== undefined && body.id !== request.params.id) {
      throw new ValidationError('Invoice.id differs from the id in the URL', {
        issues: [{ message: `must be ${request.params.id}`, location: 'Invoice.id' }],
      });
    }
    return reply.sendResult(invoiceResult(await processInvoice(app.invoice, body)));
  });
}
