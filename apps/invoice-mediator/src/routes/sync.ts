import type { FastifyInstance } from 'fastify';
import { runReport, singleRunHandler } from '@payment-layer/flows-runtime';
import { syncInvoices } from '@payment-layer/flows-invoice';

/**
 * `POST|GET /sync/invoices`: pull the contribution invoices changed in openIMIS since the last run (OpenHIM's
 * polling channel calls it with GET). One run at a time: a trigger while a run is going answers at once.
 */
export async function syncRoutes(app: FastifyInstance): Promise<void> {
  const handler = singleRunHandler(app, {
    busy: 'a sync is already running',
    run: (_request, signal) => syncInvoices(app.invoice, { signal }),
    answer: (r) => {
      const { charged, unchanged, skipped, flagged, failed } = r.counts;
      const text = `invoices: ${charged} charged, ${unchanged} unchanged, ${skipped} skipped, ${flagged} flagged for an operator, ${failed} failed`;
      const problems = failed + flagged;
      return runReport({
        text,
        problems,
        failures: r.failures.map((f) => ({ ref: `Invoice/${f.id}`, error: f.error })),
        properties: {
          charged,
          unchanged,
          skipped,
          flagged,
          failed,
          complete: r.complete,
          durationMs: r.durationMs,
        },
      });
    },
  });
  // A sync applies charges by the operator config: it waits for it like the invoice routes.
  app.post('/sync/invoices', { config: { needsConfig: true } }, handler);
  app.get('/sync/invoices', { config: { needsConfig: true } }, handler);
}
