import type { FastifyInstance, FastifyReply } from 'fastify';
import { syncClaims, type ClaimSyncReport } from '@payment-layer/flows-claim';

/**
 * `POST|GET /sync/claims`: pull the claims and bills changed in openIMIS since the last run into payouts, then run
 * the due payouts (OpenHIM's polling channel calls it with GET). One run at a time: a trigger while a run is going
 * answers at once.
 */
export async function syncRoutes(app: FastifyInstance, opts: { signal: AbortSignal }): Promise<void> {
  let running: Promise<ClaimSyncReport> | undefined;
  const handler = async (_request: unknown, reply: FastifyReply): Promise<FastifyReply> => {
    if (running) {
      return reply.sendResult({
        httpStatus: 200,
        body: {
          resourceType: 'OperationOutcome',
          issue: [
            { severity: 'information', code: 'informational', diagnostics: 'a sync is already running' },
          ],
        },
        properties: { skipped: 'a sync is already running' },
      });
    }
    running = syncClaims(app.claim, { signal: opts.signal });
    try {
      const r = await running;
      const paid = (await app.runPayouts()).filter((p) => p.state === 'paid').length;
      const failed = r.claims.failed + r.bills.failed;
      const text = `claims: ${r.claims.queued} queued, ${r.claims.known} known, ${r.claims.skipped} skipped, ${r.claims.failed} failed; bills: ${r.bills.queued} queued, ${r.bills.known} known, ${r.bills.skipped} skipped, ${r.bills.failed} failed; ${paid} payouts paid`;
      return await reply.sendResult({
        httpStatus: 200,
        body: {
          resourceType: 'OperationOutcome',
          issue: [
            { severity: failed > 0 ? 'warning' : 'information', code: 'informational', diagnostics: text },
            ...r.failures.map((f) => ({
              severity: 'error' as const,
              code: 'processing' as const,
              diagnostics: `${f.id}: ${f.error}`,
            })),
          ],
        },
        ...(failed > 0 ? { status: 'Completed with error(s)' as const } : {}),
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
    } finally {
      running = undefined;
    }
  };
  app.post('/sync/claims', { config: { needsConfig: true } }, handler);
  app.get('/sync/claims', { config: { needsConfig: true } }, handler);
}
