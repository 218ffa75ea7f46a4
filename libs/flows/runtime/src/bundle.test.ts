import { ConflictError, ValidationError } from '@payment-layer/shared-errors';
import { bundleEntryStatus, processBundleEntries, type BundleEntryHandler } from './bundle';
import { errorToOutcomeParts, informationalOutcome } from './outcome';

interface Done {
  readonly type: string;
  readonly id: string;
}

const warnings: object[] = [];
const handler = (order: string[]): BundleEntryHandler<Done> => ({
  accepts: ['Patient', 'Group'],
  process: async (resource, index) => {
    const r = resource as { resourceType: string; id: string };
    order.push(`${r.resourceType}/${r.id}`);
    if (r.id === 'taken') {
      throw new ConflictError('already linked to another client');
    }
    if (r.id === 'boom') {
      throw new Error('SQLITE_BUSY: database is locked');
    }
    return { type: r.resourceType, id: `${r.id}-${index}` };
  },
  answer: (d) => ({ created: d.type === 'Patient', location: `${d.type}/${d.id}`, text: `${d.type} done` }),
  log: { warn: (obj) => warnings.push(obj) },
});

const bundle = (type: string, ...resources: object[]): object => ({
  resourceType: 'Bundle',
  type,
  entry: resources.map((resource) => ({ resource })),
});

describe('processBundleEntries', () => {
  beforeEach(() => {
    warnings.length = 0;
  });

  it('processes the accepted types in their order, answers in Bundle order, and one failure loses nothing', async () => {
    const order: string[] = [];
    const r = await processBundleEntries(
      bundle(
        'batch',
        { resourceType: 'Group', id: 'g1' },
        { resourceType: 'Patient', id: 'p1' },
        { resourceType: 'Claim', id: 'c1' },
        { resourceType: 'Patient', id: 'taken' },
        { resourceType: 'Patient', id: 'boom' },
      ),
      handler(order),
    );
    // Patients (and the refused Claim, which is never processed) before Groups; Bundle order within a type.
    expect(order).toEqual(['Patient/p1', 'Patient/taken', 'Patient/boom', 'Group/g1']);
    expect(r.succeeded).toBe(2);
    expect(r.failed).toBe(3);
    expect(r.response.type).toBe('batch-response');
    expect(r.response.entry?.map((e) => [e.response?.status, e.response?.location])).toEqual([
      ['200 OK', 'Group/g1-0'],
      ['201 Created', 'Patient/p1-1'],
      ['400 Bad Request', undefined],
      ['409 Conflict', undefined],
      ['500 Internal Server Error', undefined],
    ]);
    expect(r.response.entry?.[2]?.response?.outcome).toMatchObject({
      issue: [
        {
          severity: 'error',
          diagnostics: 'only Patient and Group are accepted',
          expression: ['Bundle.entry[2].resource.resourceType'],
        },
      ],
    });
    // An untyped error leaks nothing internal.
    expect(JSON.stringify(r.response.entry?.[4])).not.toContain('SQLITE');
    expect(warnings).toHaveLength(3);
  });

  it('answers a transaction with a transaction-response and refuses a body that is no Bundle', async () => {
    const r = await processBundleEntries(
      bundle('transaction', { resourceType: 'Patient', id: 'p' }),
      handler([]),
    );
    expect(r.response.type).toBe('transaction-response');
    await expect(processBundleEntries({ resourceType: 'Patient' }, handler([]))).rejects.toThrow(
      ValidationError,
    );
  });
});

describe('outcome building', () => {
  it('moves issue locations under the entry and keeps the retryable flag', () => {
    const err = new ValidationError('bad name', {
      issues: [{ message: 'required', location: 'Patient.name' }],
    });
    expect(errorToOutcomeParts(err, 'Bundle.entry[3].resource')).toEqual({
      status: 400,
      retryable: false,
      outcome: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'invalid',
            diagnostics: 'required',
            expression: ['Bundle.entry[3].resource.name'],
          },
        ],
      },
    });
    expect(informationalOutcome('3 done', 'warning').issue).toEqual([
      { severity: 'warning', code: 'informational', diagnostics: '3 done' },
    ]);
    expect(bundleEntryStatus(413)).toBe('413 Payload Too Large');
    expect(bundleEntryStatus(418)).toBe('418');
  });
});
