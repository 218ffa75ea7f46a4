import type { FastifyInstance } from 'fastify';
import { processBundle } from '@payment-layer/flows-insuree';
import { bundleResult } from './results';

/** `POST /fhir` with a batch, transaction or searchset Bundle of Patients and Groups (direct callers). */
export async function bundleRoutes(app: FastifyInstance): Promise<void> {
  app.post('/fhir', async (request, reply) =>
    reply.sendResult(bundleResult(await processBundle(app.insuree, request.body))),
  );
}
