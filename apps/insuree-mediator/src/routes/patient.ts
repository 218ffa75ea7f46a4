import type { FastifyInstance } from 'fastify';
import { ValidationError } from '@payment-layer/shared-errors';
import { processBundle } from '@payment-layer/flows-insuree';
import { upsertPatient } from '@payment-layer/flows-parties';
import { bundleResult, patientResult } from './results';

/** `POST /fhir/Patient`, `PUT /fhir/Patient/:id` (one insuree), and a Bundle posted to the Patient endpoint. */
export async function patientRoutes(app: FastifyInstance): Promise<void> {
  app.post('/fhir/Patient', async (request, reply) => {
    const body = request.body as { resourceType?: unknown } | undefined;
    if (body?.resourceType === 'Bundle') {
      return reply.sendResult(bundleResult(await processBundle(app.insuree, body)));
    }
    return reply.sendResult(patientResult(await upsertPatient(app.insuree, body)));
  });

  app.put<{ Params: { id: string } }>('/fhir/Patient/:id', async (request, reply) => {
    const body = request.body as { id?: unknown } | undefined;
    if (body?.id !== undefined && body.id !== request.params.id) {
      throw new ValidationError('Patient.id differs from the id in the URL', {
        issues: [{ message: `must be ${request.params.id}`, location: 'Patient.id' }],
      });
    }
    return reply.sendResult(patientResult(await upsertPatient(app.insuree, body)));
  });
}
