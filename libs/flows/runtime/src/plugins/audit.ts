import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { auditRecorder, type AuditSink } from '../upstream';

declare module 'fastify' {
  interface FastifyInstance {
    /** The kit's `onAudit` handler: one staging audit row per mediated request, flushed on close. */
    audit: AuditSink;
  }
}

async function auditPlugin(app: FastifyInstance): Promise<void> {
  const sink = auditRecorder(app.staging.repos, app.log);
  app.decorate('audit', sink);
  // Registered after `staging`: runs before the store closes, once the server has answered its last request.
  app.addHook('onClose', async () => {
    sink.flush();
  });
}

/**
 * Decorates `app.audit`, the audit recorder the mediator kit's `onAudit` forwards to (see `createMediatorApp`),
 * and writes its pending rows on close before the staging store closes.
 */
export const audit = fp(auditPlugin, { name: 'audit', dependencies: ['staging'], fastify: '5.x' });
