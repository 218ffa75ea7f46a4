import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  handleMojaloopNotification,
  lookupMojaloopParty,
  prepareMojaloopTransfer,
  quoteMojaloopPayment,
  type BackendAnswer,
  type MojaloopPayeeSettings,
} from '@payment-layer/flows-payment';

/** Path prefix of the SDK backend API (the SDK's `BACKEND_ENDPOINT` is `<host>:<port>/mojaloop`). */
export const MOJALOOP_BACKEND_PREFIX = '/mojaloop';

interface PartyParams {
  idType: string;
  idValue: string;
  idSubValue?: string;
}

/**
 * The Mojaloop SDK scheme adapter's **backend API** for contributions paid by mobile money: party lookup by invoice
 * code, quote, transfer (answered `RESERVED`) and the final notification (money on `COMMITTED` only). The SDK
 * authenticates like every other caller (OpenHIM route credentials). Bodies are the SDK's plain JSON, refusals its
 * `{statusCode, message}`.
 */
export async function mojaloopRoutes(app: FastifyInstance, settings: MojaloopPayeeSettings): Promise<void> {
  const send = (reply: FastifyReply, a: BackendAnswer): FastifyReply =>
    reply.sendResult({
      httpStatus: a.httpStatus,
      body: a.body,
      contentType: 'application/json',
      properties: {
        resourceType: 'MojaloopTransfer',
        ...a.properties,
        ...(a.payment ? paymentProps(a) : {}),
      },
      ...(a.payment?.outcome === 'needs_attention' ? { status: 'Completed with error(s)' as const } : {}),
    });
  const parties = async (request: { params: PartyParams }, reply: FastifyReply): Promise<FastifyReply> =>
    send(reply, lookupMojaloopParty(app.payment, settings, request.params));
  app.get<{ Params: PartyParams }>(`${MOJALOOP_BACKEND_PREFIX}/parties/:idType/:idValue`, parties);
  app.get<{ Params: PartyParams }>(
    `${MOJALOOP_BACKEND_PREFIX}/parties/:idType/:idValue/:idSubValue`,
    parties,
  );
  app.post(`${MOJALOOP_BACKEND_PREFIX}/quoterequests`, async (request, reply) =>
    send(reply, quoteMojaloopPayment(app.payment, settings, request.body)),
  );
  app.post(`${MOJALOOP_BACKEND_PREFIX}/transfers`, async (request, reply) =>
    send(reply, prepareMojaloopTransfer(app.payment, settings, request.body)),
  );
  app.put<{ Params: { transferId: string } }>(
    `${MOJALOOP_BACKEND_PREFIX}/transfers/:transferId`,
    async (request, reply) =>
      send(reply, handleMojaloopNotification(app.payment, request.params.transferId, request.body)),
  );
}

function paymentProps(a: BackendAnswer): Record<string, string | number> {
  const p = a.payment;
  if (p === undefined) {
    return {};
  }
  return {
    outcome: p.outcome,
    paymentId: p.payment.id,
    amount: p.payment.amount,
    currency: p.payment.currency,
    ...(p.reason ? { reason: p.reason } : {}),
    ...(p.enqueued.length > 0 ? { outboxEntries: p.enqueued.join(',') } : {}),
  };
}
