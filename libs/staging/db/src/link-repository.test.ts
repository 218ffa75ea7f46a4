import { ConflictError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import { createTempStagingDb, type TempStagingDb } from './testing';
import { createRepositories, type LinkRepository } from './index';

const PATIENT = '7d4c9a1e-2b3f-4c5d-8e6f-0a1b2c3d4e5f';
const OTHER_PATIENT = '11111111-2222-4333-8444-555555555555';

describe('LinkRepository', () => {
  let temp: TempStagingDb;
  let links: LinkRepository;
  let now: Date;

  beforeEach(() => {
    temp = createTempStagingDb();
    now = new Date('2026-05-17T10:00:00.000Z');
    links = createRepositories(temp.db, { clock: () => now }).links;
  });
  afterEach(() => {
    temp.cleanup();
  });

  it('creates a link and finds it from both ends', () => {
    const { link, created } = links.upsertLink({
      openimisType: 'Patient',
      openimisId: PATIENT,
      fineractType: 'client',
      fineractId: 42,
      mappedHash: 'h1',
    });
    expect(created).toBe(true);
    expect(link).toMatchObject({ openimisId: PATIENT, fineractId: 42, mappedHash: 'h1' });
    expect(link.createdAt).toBe('2026-05-17T10:00:00.000Z');
    expect(links.findByOpenimis('Patient', PATIENT, 'client')?.id).toBe(link.id);
    expect(links.findByFineract('client', 42)?.id).toBe(link.id);
    expect(links.findByOpenimis('Patient', PATIENT, 'savingsAccount')).toBeUndefined();
    expect(links.findByFineract('group', 42)).toBeUndefined();
  });

  it('stores UUIDs lower-case and finds them in any case', () => {
    links.upsertLink({
      openimisType: 'Patient',
      openimisId: PATIENT.toUpperCase(),
      fineractType: 'client',
      fineractId: 1,
    });
    expect(links.findByOpenimis('Patient', PATIENT, 'client')?.openimisId).toBe(PATIENT);
    expect(links.findByOpenimis('Patient', PATIENT.toUpperCase(), 'client')).toBeDefined();
  });

  it('is idempotent: the same link again is not created twice', () => {
    const first = links.upsertLink({
      openimisType: 'Patient',
      openimisId: PATIENT,
      fineractType: 'client',
      fineractId: 42,
    });
    const second = links.upsertLink({
      openimisType: 'Patient',
      openimisId: PATIENT,
      fineractType: 'client',
      fineractId: 42,
    });
    expect(second.created).toBe(false);
    expect(second.link).toEqual(first.link);
    expect(temp.db.sqlite.prepare('SELECT count(*) AS n FROM entity_links').get()).toEqual({ n: 1 });
  });

  it('refreshes mappedHash on an idempotent upsert that carries one', () => {
    links.upsertLink({
      openimisType: 'Patient',
      openimisId: PATIENT,
      fineractType: 'client',
      fineractId: 42,
      mappedHash: 'h1',
    });
    now = new Date('2026-05-18T00:00:00.000Z');
    const { link } = links.upsertLink({
      openimisType: 'Patient',
      openimisId: PATIENT,
      fineractType: 'client',
      fineractId: 42,
      mappedHash: 'h2',
    });
    expect(link.mappedHash).toBe('h2');
    expect(link.updatedAt).toBe('2026-05-18T00:00:00.000Z');
    expect(link.createdAt).toBe('2026-05-17T10:00:00.000Z');
  });

  it('refuses a second Fineract entity of the same kind for one openIMIS resource', () => {
    links.upsertLink({
      openimisType: 'Patient',
      openimisId: PATIENT,
      fineractType: 'client',
      fineractId: 42,
    });
    expect(() =>
      links.upsertLink({
        openimisType: 'Patient',
        openimisId: PATIENT,
        fineractType: 'client',
        fineractId: 43,
      }),
    ).toThrow(ConflictError);
    expect(links.findByFineract('client', 43)).toBeUndefined();
  });

  it('refuses to link one Fineract entity to a second openIMIS resource', () => {
    links.upsertLink({
      openimisType: 'Patient',
      openimisId: PATIENT,
      fineractType: 'client',
      fineractId: 42,
    });
    expect(() =>
      links.upsertLink({
        openimisType: 'Patient',
        openimisId: OTHER_PATIENT,
        fineractType: 'client',
        fineractId: 42,
      }),
    ).toThrow(ConflictError);
    expect(() =>
      links.upsertLink({
        openimisType: 'Organization',
        openimisId: OTHER_PATIENT,
        fineractType: 'client',
        fineractId: 42,
      }),
    ).toThrow(ConflictError);
    expect(links.findByOpenimis('Patient', OTHER_PATIENT, 'client')).toBeUndefined();
  });

  it('the unique indexes hold even for writes that bypass the repository', () => {
    links.upsertLink({
      openimisType: 'Patient',
      openimisId: PATIENT,
      fineractType: 'client',
      fineractId: 42,
    });
    const insert = temp.db.sqlite.prepare(
      `INSERT INTO entity_links (openimis_type, openimis_id, fineract_type, fineract_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'x', 'x')`,
    );
    expect(() => insert.run('Patient', PATIENT, 'client', 99)).toThrow(/UNIQUE/);
    expect(() => insert.run('Patient', OTHER_PATIENT, 'client', 42)).toThrow(/UNIQUE/);
  });

  it('lets one resource own entities of different kinds, and lists them', () => {
    links.upsertLink({
      openimisType: 'Patient',
      openimisId: PATIENT,
      fineractType: 'client',
      fineractId: 42,
    });
    links.upsertLink({
      openimisType: 'Patient',
      openimisId: PATIENT,
      fineractType: 'savingsAccount',
      fineractId: 42,
    });
    expect(links.listByOpenimis('Patient', PATIENT).map((l) => l.fineractType)).toEqual([
      'client',
      'savingsAccount',
    ]);
  });

  it('updates mappedHash by link id', () => {
    const { link } = links.upsertLink({
      openimisType: 'Group',
      openimisId: PATIENT,
      fineractType: 'group',
      fineractId: 7,
    });
    expect(links.updateMappedHash(link.id, 'abc').mappedHash).toBe('abc');
    expect(links.findByFineract('group', 7)?.mappedHash).toBe('abc');
    expect(links.updateMappedHash(link.id, null).mappedHash).toBeNull();
    expect(() => links.updateMappedHash(9999, 'x')).toThrow(NotFoundError);
  });

  it('rejects ids that are not UUIDs or positive integers', () => {
    expect(() =>
      links.upsertLink({
        openimisType: 'Patient',
        openimisId: 'Jane Doe',
        fineractType: 'client',
        fineractId: 1,
      }),
    ).toThrow(ValidationError);
    expect(() =>
      links.upsertLink({
        openimisType: 'Patient',
        openimisId: PATIENT,
        fineractType: 'client',
        fineractId: 0,
      }),
    ).toThrow(ValidationError);
    expect(() =>
      links.upsertLink({
        openimisType: 'Patient',
        openimisId: PATIENT,
        fineractType: 'client',
        fineractId: 1.5,
      }),
    ).toThrow(ValidationError);
  });
});
