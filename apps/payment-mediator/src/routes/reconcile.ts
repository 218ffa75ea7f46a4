import type { FastifyInstance } from 'fastify';
import { singleRunHandler } from '@payment-layer/flows-runtime';
import { reconcile } from '@payment-layer/flows-payment';

const DAY_MS = 86_400_000;

/**
 * `POST|GET /sync/reconcile[?from=YYYY-MM-DD&to=YYYY-MM-DD]` (OpenHIM's polling channel calls it with GET): the
 * reconciliation run; the default period is the last 7 days up to tomorrow. One run at a time.
 */
export async function reconcileRoutes(app: FastifyInstance): Promise<void> {
  const handler = singleRunHandler(app, {
    busy: 'a reconciliation is already running',
    run: (request) => {
      const q = (request.query ?? {}) as Record<string, unknown>;
      const now = app.payment.now ? app.payment.now() : new Date();
      // A bound given in any other shape (repeated, empty) is checked and refused, never replaced by the default.
      const from = q.from ?? new Date(now.getTime() - 7 * DAY_MS).toISOString().slice(0, 10);
      const to = q.to ?? new Date(now.getTime() + DAY_MS).toISOString().slice(0, 10);
      return reconcile(app.payment, { from, to } as { from: string; to: string });
    },
    answer: (r) => {
      const open = r.discrepancies.filter((d) => !d.repaired);
      return {
        httpStatus: 200,
        body: {
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: open.length > 0 ? 'warning' : 'information',
              code: 'informational',
              diagnostics: `${r.invoices} invoices, ${r.consistent} consistent, ${r.repaired} repaired, ${open.length} discrepancies`,
            },
            ...r.discrepancies.map((d) => ({
              severity: d.repaired ? ('information' as const) : ('warning' as const),
              code: 'business-rule' as const,
              diagnostics: `${d.kind}${d.code ? ` ${d.code}` : ''}${d.paymentId ? ` payment ${d.paymentId}` : ''}: ${d.detail}`,
            })),
          ],
        },
        ...(open.length > 0 ? { status: 'Completed with error(s)' as const } : {}),
        properties: {
          from: r.period.from,
          to: r.period.to,
          invoices: r.invoices,
          consistent: r.consistent,
          repaired: r.repaired,
          discrepancies: open.length,
          'payments.matched': r.payments.matched,
          'payments.needs_attention': r.payments.needs_attention,
          'payments.ignored': r.payments.ignored,
        },
      };
    },
  });
  app.post('/sync/reconcile', handler);
  app.get('/sync/reconcile', handler);
}
