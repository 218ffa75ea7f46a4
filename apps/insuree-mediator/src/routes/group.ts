import type { FastifyInstance } from 'fastify';
import { ValidationError } from '@payment-layer/shared-errors';
import { processBundle } from '@payment-layer/flows-insuree';
import { upsertGroup } from '@payment-layer/flows-parties';
import { bundleResult, groupResult } from './results';

/** `POST /fhir/Group`, `PUT /fhir/Group/:id` (one family), and a Bundle posted to the Group endpoint. */
export async function groupRoutes(app: FastifyInstance): Promise<void> {
  app.post('/fhir/Group', async (request, reply) => {
    const body = request.body as { resourceType?: unknown } | undefined;
    if (body?.resourceType === 'Bundle') {
      return reply.sendResult(bundleResult(await processBundle(app.insuree, body)));
    }
    return reply.sendResult(groupResult(await upsertGroup(app.insuree, body)));
  });

  app.put<{ Params: { id: string } }>('/fhir/Group/:id', async (request, reply) => {
    const body = request.body as { id?: unknown } | undefined;
    if (body?.id !== undefined && body.id !== request.params.id) {
      throw new ValidationError('Group.id differs from the id in the URL', {
        issues: [{ message: `must be ${request.params.id}`, location: 'Group.id' }],
      });
    }
    return reply.sendResult(groupResult(await upsertGroup(app.insuree, body)));
  });
}
