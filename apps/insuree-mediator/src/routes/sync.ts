import type { FastifyInstance } from 'fastify';
import { runReport, singleRunHandler } from '@payment-layer/flows-runtime';
import { syncInsurees, type SyncReport } from '@payment-layer/flows-insuree';

/**
 * `POST|GET /sync/insurees`: pull what changed in openIMIS since the last run (OpenHIM's polling channel calls it
 * with GET). One run at a time: a trigger while a run is going answers at once that it was skipped.
 */
export async function syncRoutes(app: FastifyInstance): Promise<void> {
  const handler = singleRunHandler(app, {
    busy: 'a sync is already running',
    run: (_request, signal) => syncInsurees(app.insuree, { signal }),
    answer: (r) => {
      const failed = r.patients.failed + r.groups.failed;
      const text = `patients: ${r.patients.created} created, ${r.patients.updated} updated, ${r.patients.unchanged} unchanged, ${r.patients.failed} failed; groups: ${r.groups.created} created, ${r.groups.updated} updated, ${r.groups.unchanged} unchanged, ${r.groups.failed} failed`;
      app.log.info({ ...flatten(r), durationMs: r.durationMs }, 'insuree sync finished');
      return runReport({
        text,
        problems: failed,
        failures: r.failures.map((f) => ({ ref: `${f.resourceType}/${f.id}`, error: f.error })),
        properties: { ...flatten(r), complete: r.complete, durationMs: r.durationMs },
      });
    },
  });
  app.post('/sync/insurees', handler);
  app.get('/sync/insurees', handler);
}

function flatten(r: SyncReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['created', 'updated', 'unchanged', 'linked', 'failed'] as const) {
    out[`patients.${k}`] = r.patients[k];
    out[`groups.${k}`] = r.groups[k];
  }
  out.created = r.patients.created + r.groups.created;
  out.updated = r.patients.updated + r.groups.updated;
  out.unchanged = r.patients.unchanged + r.groups.unchanged;
  out.failed = r.patients.failed + r.groups.failed;
  return out;
}
