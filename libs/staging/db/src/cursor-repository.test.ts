import { ValidationError } from '@payment-layer/shared-errors';
import { createTempStagingDb, type TempStagingDb } from './testing';
import { createRepositories, type CursorRepository } from './index';

describe('CursorRepository', () => {
  let temp: TempStagingDb;
  let cursors: CursorRepository;

  beforeEach(() => {
    temp = createTempStagingDb();
    cursors = createRepositories(temp.db, { clock: () => new Date('2026-05-17T10:00:00.000Z') }).cursors;
  });
  afterEach(() => {
    temp.cleanup();
  });

  it('stores and overwrites a window-sync position, including the first window without a start', () => {
    expect(
      cursors.saveSyncState('Patient', {
        cursorValue: null,
        seenIds: ['a@x'],
        walkStartedAt: '2026-05-17T10:00:00',
      }),
    ).toMatchObject({
      cursorValue: null,
      seenIds: ['a@x'],
      walkStartedAt: '2026-05-17T10:00:00',
    });
    cursors.saveSyncState('Patient', {
      cursorValue: '2026-05-17T09:59:00',
      seenIds: [],
      walkStartedAt: null,
    });
    expect(cursors.getCursor('Patient')).toMatchObject({
      cursorValue: '2026-05-17T09:59:00',
      seenIds: [],
      walkStartedAt: null,
    });
  });

  it('appends window progress without rewriting what is stored, and a full save replaces it', () => {
    cursors.extendSyncWindow('Patient', {
      cursorValue: null,
      walkStartedAt: '2026-05-17T10:00:00',
      addedKeys: ['b@x', 'a@x'],
    });
    cursors.extendSyncWindow('Patient', {
      cursorValue: null,
      walkStartedAt: '2026-05-17T10:00:00',
      addedKeys: ['c', 'a@x'],
    });
    const walking = cursors.getCursor('Patient');
    expect(walking).toMatchObject({ cursorValue: null, walkStartedAt: '2026-05-17T10:00:00' });
    expect([...(walking?.seenIds ?? [])].sort()).toEqual(['a@x', 'b@x', 'c']);
    // Another type's window is its own.
    expect(cursors.getCursor('Group')).toBeUndefined();

    // The walk completes: the next window carries only what the client hands over.
    cursors.saveSyncState('Patient', {
      cursorValue: '2026-05-17T09:59:00',
      seenIds: ['c'],
      walkStartedAt: null,
    });
    expect(cursors.getCursor('Patient')).toMatchObject({
      cursorValue: '2026-05-17T09:59:00',
      seenIds: ['c'],
      walkStartedAt: null,
    });
  });

  it('rolls back a window extension as a whole when a key is invalid', () => {
    cursors.extendSyncWindow('Patient', { cursorValue: null, walkStartedAt: null, addedKeys: ['a'] });
    expect(() => {
      cursors.extendSyncWindow('Patient', {
        cursorValue: '2026-05-17T09:59:00',
        walkStartedAt: null,
        addedKeys: ['b', ''],
      });
    }).toThrow(ValidationError);
    expect(cursors.getCursor('Patient')).toMatchObject({ cursorValue: null, seenIds: ['a'] });
  });

  it('has no cursor before the first advance', () => {
    expect(cursors.getCursor('Patient')).toBeUndefined();
  });

  it('advances and remembers the ids seen at the cursor second', () => {
    const first = cursors.advanceCursor('Patient', '2026-05-17T10:00:00', ['b', 'a', 'a']);
    expect(first.moved).toBe(true);
    expect(first.cursor).toMatchObject({ cursorValue: '2026-05-17T10:00:00', seenIds: ['a', 'b'] });
    const later = cursors.advanceCursor('Patient', '2026-05-17T10:00:05', ['c']);
    expect(later.cursor).toMatchObject({ cursorValue: '2026-05-17T10:00:05', seenIds: ['c'] });
    expect(cursors.getCursor('Patient')?.seenIds).toEqual(['c']);
  });

  it('adds ids at the same second to those already seen', () => {
    cursors.advanceCursor('Invoice', '2026-05-17T10:00:00', ['a']);
    expect(cursors.advanceCursor('Invoice', '2026-05-17T10:00:00', ['b']).cursor.seenIds).toEqual(['a', 'b']);
    expect(cursors.advanceCursor('Invoice', '2026-05-17T10:00:00', ['a']).moved).toBe(false);
  });

  it('never moves backwards', () => {
    cursors.advanceCursor('Patient', '2026-05-17T10:00:00', ['a']);
    const back = cursors.advanceCursor('Patient', '2026-05-16T23:59:59', ['z']);
    expect(back.moved).toBe(false);
    expect(cursors.getCursor('Patient')).toMatchObject({
      cursorValue: '2026-05-17T10:00:00',
      seenIds: ['a'],
    });
  });

  it('refuses a value in another format (text order would lie)', () => {
    cursors.advanceCursor('Patient', '2026-05-17T10:00:00', []);
    expect(() => cursors.advanceCursor('Patient', '2026-05-17T10:00:00.5', [])).toThrow(ValidationError);
  });

  it('keeps cursors per resource type', () => {
    cursors.advanceCursor('Patient', '2026-05-17T10:00:00', []);
    cursors.advanceCursor('Invoice', '2026-01-01T00:00:00', []);
    expect(cursors.getCursor('Patient')?.cursorValue).toBe('2026-05-17T10:00:00');
    expect(cursors.getCursor('Invoice')?.cursorValue).toBe('2026-01-01T00:00:00');
  });

  it('records the last run without touching the value', () => {
    const run = cursors.recordRun('Patient', {
      startedAt: new Date('2026-05-17T09:59:00.000Z'),
      finishedAt: new Date('2026-05-17T10:00:00.000Z'),
      outcome: 'failed',
      processed: 3,
      error: 'openIMIS 502',
    });
    expect(run).toMatchObject({
      cursorValue: null,
      seenIds: [],
      lastRunOutcome: 'failed',
      lastRunProcessed: 3,
    });
    cursors.advanceCursor('Patient', '2026-05-17T10:00:00', ['a']);
    const again = cursors.recordRun('Patient', {
      startedAt: new Date('2026-05-17T10:05:00.000Z'),
      outcome: 'succeeded',
    });
    expect(again).toMatchObject({
      cursorValue: '2026-05-17T10:00:00',
      seenIds: ['a'],
      lastRunOutcome: 'succeeded',
      lastRunError: null,
      lastRunStartedAt: '2026-05-17T10:05:00.000Z',
      lastRunFinishedAt: null,
    });
  });
});
