import type { FastifyInstance } from 'fastify';
import { runReport, singleRunHandler } from '@payment-layer/flows-runtime';
import { syncClaims } from '@payment-layer/flows-claim';

/**
 * `POST|GET /sync/claims`: pull the claims and bills changed in openIMIS since the last run into payouts, then run
 * the due payouts (OpenHIM's polling channel calls it with GET). One run at a time: a trigger while a run is going
 * answers at once.
 */
export async function syncRoutes(app: FastifyInstance): Promise<void> {
  const handler = singleRunHandler(app, {
    busy: 'a sync is already running',
    run: async (_request, signal) => {
      const report = await syncClaims(app.claim, { signal });
      const paid = (await app.runPayouts()).filter((p) => p.state === 'paid').length;
      return { report, paid };
    },
    answer: ({ report: r, paid }) => {
      const failed = r.claims.failed + r.bills.failed;
      const text = `claims: ${r.claims.queued} queued, ${r.claims.known} known, ${r.claims.skipped} skipped, ${r.claims.failed} failed; bills: ${r.bills.queued} queued, ${r.bills.known} known, ${r.bills.skipped} skipped, ${r.bills.failed} failed; ${paid} payouts paid`;
      return runReport({
        text,
        problems: failed,
        failures: r.failures.map((f) => ({ ref: f.id, error: f.error })),
        properties: {
          claimsQueued: r.claims.queued,
          claimsSkipped: r.claims.skipped,
          billsQueued: r.bills.queued,
          failed,
          paid,
          complete: r.complete,
          durationMs: r.durationMs,
        },
      });
    },
  });
  app.post('/sync/claims', { config: { needsConfig: true } }, handler);
  app.get('/sync/claims', { config: { needsConfig: true } }, handler);
}
