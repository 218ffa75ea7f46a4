import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { handlePaymentNotice } from '@payment-layer/flows-payment';
import { paymentResult } from './results';

/** `POST /fhir/PaymentNotice`: a payment from another rail (bank, aggregator) against an openIMIS invoice. */
export async function paymentNoticeRoutes(app: FastifyInstance): Promise<void> {
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const outcome = handlePaymentNotice(app.payment, request.body);
    return reply.sendResult(paymentResult(outcome, { invoiceUuid: outcome.invoiceUuid }));
  };
  app.post('/fhir/PaymentNotice', handler);
  app.post('/fhir/PaymentNotice/', handler);
}
