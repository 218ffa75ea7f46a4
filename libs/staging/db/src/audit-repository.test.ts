import { ValidationError } from '@payment-layer/shared-errors';
import { createTempStagingDb, type TempStagingDb } from './testing';
import { createRepositories, type AuditRepository } from './index';

const RESOURCE = 'bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f';

describe('AuditRepository', () => {
  let temp: TempStagingDb;
  let audit: AuditRepository;

  beforeEach(() => {
    temp = createTempStagingDb();
    audit = createRepositories(temp.db).audit;
  });
  afterEach(() => {
    temp.cleanup();
  });

  const record = (transactionId: string, startedAt: string, finishedAt: string) =>
    audit.recordAudit({
      transactionId,
      mediator: 'payment-mediator',
      resourceType: 'Invoice',
      resourceId: RESOURCE.toUpperCase(),
      outcome: 'successful',
      httpStatus: 200,
      startedAt: new Date(startedAt),
      finishedAt: new Date(finishedAt),
    });

  it('records one row per transaction with its duration', () => {
    const row = record('65a1f0c2e4b0a1b2c3d4e5f6', '2026-05-17T10:00:00.000Z', '2026-05-17T10:00:01.250Z');
    expect(row).toMatchObject({
      transactionId: '65a1f0c2e4b0a1b2c3d4e5f6',
      resourceId: RESOURCE,
      outcome: 'successful',
      httpStatus: 200,
      durationMs: 1250,
      startedAt: '2026-05-17T10:00:00.000Z',
    });
  });

  it('records several rows in one transaction; a refused row does not keep the others out', () => {
    const row = (transactionId: string) => ({
      transactionId,
      mediator: 'insuree-mediator',
      resourceType: 'Patient',
      resourceId: RESOURCE,
      outcome: 'successful' as const,
      httpStatus: 201,
      startedAt: new Date('2026-05-17T10:00:00.000Z'),
      finishedAt: new Date('2026-05-17T10:00:00.020Z'),
    });
    const result = audit.recordAudits([row('t1'), row('x'.repeat(65)), row('t3')]);
    expect(result.stored).toBe(2);
    expect(result.refused).toEqual([{ index: 1, error: expect.any(ValidationError) as unknown }]);
    expect(
      audit
        .listAudit()
        .map((r) => r.transactionId)
        .sort(),
    ).toEqual(['t1', 't3']);
  });

  it('lists by transaction, newest first', () => {
    record('t1', '2026-05-17T10:00:00.000Z', '2026-05-17T10:00:01.000Z');
    record('t2', '2026-05-17T11:00:00.000Z', '2026-05-17T11:00:01.000Z');
    record('t1', '2026-05-17T12:00:00.000Z', '2026-05-17T12:00:01.000Z');
    expect(audit.listAudit({ transactionId: 't1' }).map((r) => r.startedAt)).toEqual([
      '2026-05-17T12:00:00.000Z',
      '2026-05-17T10:00:00.000Z',
    ]);
    expect(audit.listAudit()).toHaveLength(3);
    expect(audit.listAudit({ resourceId: RESOURCE, limit: 1 })).toHaveLength(1);
  });

  it('accepts only a UUID as resource id (no names or other personal data)', () => {
    expect(() =>
      audit.recordAudit({
        mediator: 'insuree-mediator',
        resourceType: 'Patient',
        resourceId: 'Jane Doe',
        outcome: 'failed',
        startedAt: new Date(),
        finishedAt: new Date(),
      }),
    ).toThrow(ValidationError);
  });

  it('rejects reversed times and bad outcomes', () => {
    expect(() => record('t', '2026-05-17T10:00:01.000Z', '2026-05-17T10:00:00.000Z')).toThrow(
      ValidationError,
    );
    expect(() =>
      audit.recordAudit({
        mediator: 'm',
        outcome: 'ok' as never,
        startedAt: new Date(),
        finishedAt: new Date(),
      }),
    ).toThrow(ValidationError);
  });

  it('prunes rows older than the retention limit', () => {
    record('old', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z');
    record('new', '2026-05-17T00:00:00.000Z', '2026-05-17T00:00:01.000Z');
    expect(audit.pruneAudit(new Date('2026-03-01T00:00:00.000Z'))).toBe(1);
    expect(audit.listAudit().map((r) => r.transactionId)).toEqual(['new']);
  });
});
