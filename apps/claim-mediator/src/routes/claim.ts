import type { FastifyInstance } from 'fastify';
import { processBill, processClaimResponse, type PayoutProcessResult } from '@payment-layer/flows-claim';
import { payoutResult } from './results';

/**
 * `POST /fhir/ClaimResponse` and `POST /fhir/Invoice` (claim-batch bills): record the payout, run the due payouts
 * once, and answer with the payout's state. They pay by the operator config, so they wait for it (503 until known).
 */
export async function claimRoutes(app: FastifyInstance): Promise<void> {
  const config = { needsConfig: true };
  const answer = async (r: PayoutProcessResult): Promise<ReturnType<typeof payoutResult>> => {
    if (r.payout !== undefined && (r.payout.state === 'pending' || r.payout.state === 'in_flight')) {
      await app.runPayouts();
    }
    const payout = r.payout ? app.claim.repos.payouts.getById(r.payout.id) : undefined;
    return payoutResult(r, payout);
  };
  app.post('/fhir/ClaimResponse', { config }, async (request, reply) =>
    reply.sendResult(await answer(await processClaimResponse(app.claim, request.body))),
  );
  app.post('/fhir/Invoice', { config }, async (request, reply) =>
    reply.sendResult(await answer(await processBill(app.claim, request.body))),
  );
}
