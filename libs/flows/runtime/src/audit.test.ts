import { createRepositories, type StagingRepositories } from '@payment-layer/staging-db';
import { createTempStagingDb, type TempStagingDb } from '@payment-layer/staging-db/testing';
import type { AuditEvent } from '@payment-layer/openhim-mediator';
import { auditRecorder } from './index';

const event = (transactionId: string, fhirId = 'bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f'): AuditEvent => ({
  transactionId,
  urn: 'urn:mediator:openimis-payment-layer-insuree',
  method: 'POST',
  route: '/fhir/Patient',
  httpStatus: 201,
  status: 'Successful',
  startedAt: new Date('2026-05-17T10:00:00.000Z'),
  durationMs: 12,
  properties: { resourceType: 'Patient', fhirId },
});

describe('auditRecorder', () => {
  let temp: TempStagingDb;
  let repos: StagingRepositories;
  const errors: string[] = [];
  const log = {
    error: (_obj: object, msg: string): void => {
      errors.push(msg);
    },
  };

  beforeEach(() => {
    temp = createTempStagingDb();
    repos = createRepositories(temp.db);
    errors.length = 0;
  });
  afterEach(() => {
    temp.cleanup();
  });

  it('writes the rows of a short interval together, within 50 ms of the first', async () => {
    const audit = auditRecorder(repos, log);
    audit(event('t1'));
    await new Promise((r) => setImmediate(r));
    audit(event('t2', 'Jane Doe')); // not a UUID: stored without the id (identifiers only)
    expect(repos.audit.listAudit()).toHaveLength(0);
    // Timers fire in the order they are due: this one is due after the flush.
    await new Promise((r) => setTimeout(r, 60));
    const rows = repos.audit.listAudit();
    expect(rows.map((r) => [r.transactionId, r.resourceId, r.outcome, r.durationMs]).sort()).toEqual([
      ['t1', 'bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f', 'successful', 12],
      ['t2', null, 'successful', 12],
    ]);
    expect(errors).toEqual([]);
  });

  it('flush() writes what is pending at once (shutdown), and a refused row is reported, not fatal', () => {
    const audit = auditRecorder(repos, log);
    audit(event('t1'));
    audit(event('x'.repeat(65)));
    audit.flush();
    expect(repos.audit.listAudit().map((r) => r.transactionId)).toEqual(['t1']);
    expect(errors).toEqual(['audit record refused']);
    audit.flush(); // nothing pending: no write, no error
    expect(repos.audit.listAudit()).toHaveLength(1);
  });

  it('writes a large burst without waiting for the end of the turn', () => {
    const audit = auditRecorder(repos, log);
    for (let i = 0; i < 256; i++) {
      audit(event(`t${i}`));
    }
    expect(repos.audit.listAudit({ limit: 1000 })).toHaveLength(256);
  });
});
