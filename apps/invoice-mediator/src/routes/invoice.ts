import type { FastifyInstance } from 'fastify';
import { ValidationError } from '@payment-layer/shared-errors';
import { processInvoice, processInvoiceBundle } from '@payment-layer/flows-invoice';
import { invoiceBundleResult, invoiceResult } from './results';

/** `POST /fhir/Invoice` (one invoice or a Bundle of them) and `PUT /fhir/Invoice/:id`. */
export async function invoiceRoutes(app: FastifyInstance): Promise<void> {
  app.post('/fhir/Invoice', async (request, reply) => {
    const body = request.body as { resourceType?: unknown } | undefined;
    if (body?.resourceType === 'Bundle') {
      return reply.sendResult(invoiceBundleResult(await processInvoiceBundle(app.invoice, body)));
    }
    return reply.sendResult(invoiceResult(await processInvoice(app.invoice, body)));
  });

  app.put<{ Params: { id: string } }>('/fhir/Invoice/:id', async (request, reply) => {
    const body = request.body as { id?: unknown } | undefined;
    if (body?.id !== undefined && body.id !== request.params.id) {
      throw new ValidationError('Invoice.id differs from the id in the URL', {
        issues: [{ message: `must be ${request.params.id}`, location: 'Invoice.id' }],
      });
    }
    return reply.sendResult(invoiceResult(await processInvoice(app.invoice, body)));
  });
}
