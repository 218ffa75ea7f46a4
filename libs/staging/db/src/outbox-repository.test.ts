import { ConflictError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import { createTempStagingDb, type TempStagingDb } from './testing';
import { createRepositories, nextAttemptDelayMs, openStagingDb, type OutboxRepository } from './index';

const T0 = new Date('2026-05-17T10:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

describe('OutboxRepository', () => {
  let temp: TempStagingDb;
  let outbox: OutboxRepository;
  let now: Date;

  beforeEach(() => {
    temp = createTempStagingDb();
    now = T0;
    outbox = createRepositories(temp.db, { clock: () => now }).outbox;
  });
  afterEach(() => {
    temp.cleanup();
  });

  const enqueue = (key: string, extra: { aggregateRef?: string; notBefore?: Date; kind?: string } = {}) =>
    outbox.enqueue({
      kind: extra.kind ?? 'openimis.paymentNotice',
      idempotencyKey: key,
      payload: { key },
      ...extra,
    });

  describe('claim (one entry, inline)', () => {
    it('claims a due entry once; a second claim finds it leased', () => {
      const { entry } = enqueue('one');
      const claimed = outbox.claim(entry.id, { now: T0, leaseMs: 1000 });
      expect(claimed).toMatchObject({ id: entry.id, state: 'in_progress', attempts: 1 });
      expect(outbox.claim(entry.id, { now: T0, leaseMs: 1000 })).toBeUndefined();
      expect(outbox.claim(entry.id, { now: new Date(T0.getTime() + 1001), leaseMs: 1000 })?.attempts).toBe(2);
    });

    it('respects the order of an aggregate and ignores other entries', () => {
      const first = enqueue('first', { aggregateRef: 'Invoice/1' }).entry;
      const second = enqueue('second', { aggregateRef: 'Invoice/1' }).entry;
      enqueue('other');
      expect(outbox.claim(second.id, { now: T0, leaseMs: 1000 })).toBeUndefined();
      expect(outbox.claim(first.id, { now: T0, leaseMs: 1000 })?.id).toBe(first.id);
      expect(outbox.list({ state: 'in_progress' }).map((e) => e.id)).toEqual([first.id]);
    });

    it('returns undefined for an unknown or finished entry', () => {
      expect(outbox.claim(999, { now: T0, leaseMs: 1000 })).toBeUndefined();
      const { entry } = enqueue('done');
      outbox.claim(entry.id, { now: T0, leaseMs: 1000 });
      outbox.complete(entry.id);
      expect(outbox.claim(entry.id, { now: T0, leaseMs: 1000 })).toBeUndefined();
    });
  });

  describe('enqueue', () => {
    it('inserts a pending entry due now', () => {
      const { entry, created } = enqueue('a');
      expect(created).toBe(true);
      expect(entry).toMatchObject({
        state: 'pending',
        attempts: 0,
        payload: { key: 'a' },
        nextAttemptAt: T0.toISOString(),
        leaseExpiresAt: null,
        result: null,
      });
    });

    it('is insert-or-ignore by idempotency key and returns the existing entry', () => {
      const first = enqueue('a').entry;
      const second = outbox.enqueue({ kind: 'other', idempotencyKey: 'a', payload: { different: true } });
      expect(second.created).toBe(false);
      expect(second.entry).toEqual(first);
      expect(outbox.list()).toHaveLength(1);
    });

    it('rejects an empty key or a missing payload', () => {
      expect(() => outbox.enqueue({ kind: 'k', idempotencyKey: '', payload: {} })).toThrow(ValidationError);
      expect(() => outbox.enqueue({ kind: 'k', idempotencyKey: 'x', payload: undefined })).toThrow(
        ValidationError,
      );
    });
  });

  describe('claimDue', () => {
    it('claims due pending entries, oldest first, with a lease and one more attempt', () => {
      enqueue('a');
      enqueue('b');
      enqueue('later', { notBefore: at(20_000) });
      const claimed = outbox.claimDue({ now: at(1), limit: 10, leaseMs: 30_000 });
      expect(claimed.map((e) => e.idempotencyKey)).toEqual(['a', 'b']);
      for (const e of claimed) {
        expect(e).toMatchObject({
          state: 'in_progress',
          attempts: 1,
          leaseExpiresAt: at(30_001).toISOString(),
        });
      }
      expect(outbox.claimDue({ now: at(2), limit: 10, leaseMs: 30_000 })).toEqual([]);
      expect(
        outbox.claimDue({ now: at(20_000), limit: 10, leaseMs: 30_000 }).map((e) => e.idempotencyKey),
      ).toEqual(['later']);
    });

    it('respects limit and kinds', () => {
      enqueue('a');
      enqueue('b', { kind: 'openimis.verify' });
      enqueue('c');
      expect(outbox.claimDue({ now: at(1), limit: 1, leaseMs: 1000 }).map((e) => e.idempotencyKey)).toEqual([
        'a',
      ]);
      expect(
        outbox
          .claimDue({ now: at(1), limit: 5, leaseMs: 1000, kinds: ['openimis.verify'] })
          .map((e) => e.idempotencyKey),
      ).toEqual(['b']);
      expect(outbox.claimDue({ now: at(1), limit: 5, leaseMs: 1000, kinds: [] })).toEqual([]);
    });

    it('re-claims an entry whose lease expired (the worker crashed) and counts the attempt', () => {
      enqueue('a');
      outbox.claimDue({ now: at(0), limit: 1, leaseMs: 1000 });
      expect(outbox.claimDue({ now: at(999), limit: 1, leaseMs: 1000 })).toEqual([]);
      const again = outbox.claimDue({ now: at(1000), limit: 1, leaseMs: 1000 });
      expect(again).toHaveLength(1);
      expect(again[0]).toMatchObject({ attempts: 2, leaseExpiresAt: at(2000).toISOString() });
    });

    it('never hands one entry to two connections', () => {
      for (let i = 0; i < 20; i++) {
        enqueue(`e${i}`);
      }
      const second = openStagingDb({ path: temp.path });
      try {
        const other = createRepositories(second).outbox;
        const a = outbox.claimDue({ now: at(1), limit: 7, leaseMs: 10_000 });
        const b = other.claimDue({ now: at(1), limit: 50, leaseMs: 10_000 });
        const ids = [...a, ...b].map((e) => e.id);
        expect(a).toHaveLength(7);
        expect(b).toHaveLength(13);
        expect(new Set(ids).size).toBe(20);
      } finally {
        second.close();
      }
    });

    it('keeps the order within an aggregate: a later entry waits for the earlier one', () => {
      const notice = enqueue('notice', { aggregateRef: 'invoice:1' }).entry;
      enqueue('premium', { aggregateRef: 'invoice:1' });
      enqueue('other', { aggregateRef: 'invoice:2' });
      expect(
        outbox.claimDue({ now: at(1), limit: 10, leaseMs: 3_600_000 }).map((e) => e.idempotencyKey),
      ).toEqual(['notice', 'other']);
      outbox.fail(notice.id, 'openIMIS 502', at(5000));
      expect(outbox.claimDue({ now: at(10), limit: 10, leaseMs: 1000 })).toEqual([]);
      expect(
        outbox.claimDue({ now: at(5000), limit: 10, leaseMs: 1000 }).map((e) => e.idempotencyKey),
      ).toEqual(['notice']);
      outbox.markDead(notice.id, 'gave up');
      expect(outbox.claimDue({ now: at(6000), limit: 10, leaseMs: 1000 })).toEqual([]);
      outbox.complete(notice.id, { resolvedBy: 'operator' });
      expect(
        outbox.claimDue({ now: at(6000), limit: 10, leaseMs: 1000 }).map((e) => e.idempotencyKey),
      ).toEqual(['premium']);
    });

    it('validates its options', () => {
      expect(() => outbox.claimDue({ now: T0, limit: 0, leaseMs: 1 })).toThrow(ValidationError);
      expect(() => outbox.claimDue({ now: T0, limit: 1, leaseMs: 0 })).toThrow(ValidationError);
    });
  });

  describe('complete, fail, markDead, retryNow', () => {
    it('completes claimed work with its result', () => {
      const { entry } = enqueue('a');
      outbox.claimDue({ now: at(0), limit: 1, leaseMs: 1000 });
      now = at(10);
      const done = outbox.complete(entry.id, { paymentNoticeId: 'pn-1' });
      expect(done).toMatchObject({
        state: 'done',
        result: { paymentNoticeId: 'pn-1' },
        leaseExpiresAt: null,
        completedAt: at(10).toISOString(),
      });
      expect(() => outbox.complete(entry.id, {})).toThrow(ConflictError);
      expect(outbox.claimDue({ now: at(100_000), limit: 1, leaseMs: 1000 })).toEqual([]);
    });

    it('fail() puts claimed work back for later with the error', () => {
      const { entry } = enqueue('a');
      expect(() => outbox.fail(entry.id, 'x', at(1))).toThrow(ConflictError);
      outbox.claimDue({ now: at(0), limit: 1, leaseMs: 1000 });
      const failed = outbox.fail(entry.id, 'x'.repeat(5000), at(2000));
      expect(failed).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: at(2000).toISOString() });
      expect(failed.lastError!.length).toBeLessThanOrEqual(2000);
      expect(outbox.claimDue({ now: at(1999), limit: 1, leaseMs: 1000 })).toEqual([]);
      expect(outbox.claimDue({ now: at(2000), limit: 1, leaseMs: 1000 })[0]?.attempts).toBe(2);
    });

    it('markDead() parks work for review; retryNow() replays it, keeping attempts unless asked', () => {
      const { entry } = enqueue('a');
      outbox.claimDue({ now: at(0), limit: 1, leaseMs: 1000 });
      const dead = outbox.markDead(entry.id, 'openIMIS rejected the notice');
      expect(dead).toMatchObject({
        state: 'dead',
        lastError: 'openIMIS rejected the notice',
        leaseExpiresAt: null,
      });
      expect(outbox.claimDue({ now: at(10_000_000), limit: 1, leaseMs: 1000 })).toEqual([]);
      expect(() => outbox.markDead(entry.id, 'again')).toThrow(ConflictError);
      now = at(5000);
      expect(outbox.retryNow(entry.id)).toMatchObject({
        state: 'pending',
        attempts: 1,
        nextAttemptAt: at(5000).toISOString(),
      });
      expect(outbox.retryNow(entry.id, { resetAttempts: true }).attempts).toBe(0);
      expect(outbox.claimDue({ now: at(5000), limit: 1, leaseMs: 1000 })).toHaveLength(1);
      expect(() => outbox.retryNow(entry.id)).toThrow(ConflictError);
    });

    it('fences a stale claim: after its lease ran out and another worker claimed the entry, the first worker can neither renew, note, fail nor complete it', () => {
      const { entry } = enqueue('fenced');
      const first = outbox.claimDue({ now: at(0), limit: 1, leaseMs: 1000 })[0]!;
      const mine = { attempt: first.attempts };
      expect(outbox.renewLease(entry.id, mine, { now: at(900), leaseMs: 1000 })).toBe(true);
      // Renewed: still leased at 1 500, free again at 1 900.
      expect(outbox.claimDue({ now: at(1500), limit: 1, leaseMs: 1000 })).toEqual([]);
      const second = outbox.claimDue({ now: at(1900), limit: 1, leaseMs: 1000 })[0]!;
      expect(second.attempts).toBe(2);
      expect(outbox.renewLease(entry.id, mine, { now: at(2000), leaseMs: 1000 })).toBe(false);
      expect(() => outbox.saveProgress(entry.id, mine, { posted: true })).toThrow(ConflictError);
      expect(() => outbox.fail(entry.id, 'late', at(5000), { claim: mine })).toThrow(/claimed again/);
      expect(() => outbox.complete(entry.id, {}, mine)).toThrow(ConflictError);
      expect(() => outbox.markDead(entry.id, 'late', mine)).toThrow(ConflictError);
      // The current claim holds.
      const theirs = { attempt: second.attempts };
      expect(outbox.saveProgress(entry.id, theirs, { posted: true }).result).toEqual({ posted: true });
      expect(outbox.complete(entry.id, { done: true }, theirs)).toMatchObject({
        state: 'done',
        result: { done: true },
      });
      expect(outbox.renewLease(entry.id, theirs, { now: at(2000), leaseMs: 1000 })).toBe(false);
    });

    it('keeps progress notes across a failure, and forgets them on an operator retry when asked', () => {
      const { entry } = enqueue('progress');
      const c = outbox.claimDue({ now: at(0), limit: 1, leaseMs: 1000 })[0]!;
      outbox.saveProgress(entry.id, { attempt: c.attempts }, { postedAt: 'x' });
      const failed = outbox.fail(entry.id, 'timeout', at(100), {
        claim: { attempt: c.attempts },
        progress: { postedAt: 'x', reads: 1 },
      });
      expect(failed.result).toEqual({ postedAt: 'x', reads: 1 });
      expect(outbox.retryNow(entry.id).result).toEqual({ postedAt: 'x', reads: 1 });
      expect(outbox.retryNow(entry.id, { clearProgress: true }).result).toBeNull();
    });

    it('wake() makes pending entries in back-off due now, and leaves the others alone', () => {
      const a = enqueue('a', { notBefore: at(60_000) }).entry;
      const b = enqueue('b').entry;
      const c = enqueue('c', { notBefore: at(60_000) }).entry;
      outbox.claimDue({ now: at(0), limit: 1, leaseMs: 1000, only: b.id });
      expect(outbox.wake([a.id, b.id], at(10))).toBe(1);
      expect(outbox.get(a.id)?.nextAttemptAt).toBe(at(10).toISOString());
      expect(outbox.get(b.id)?.state).toBe('in_progress');
      expect(outbox.get(c.id)?.nextAttemptAt).toBe(at(60_000).toISOString());
      expect(outbox.wake([], at(10))).toBe(0);
    });

    it('lists the pending entries in back-off that carry progress notes', () => {
      const a = enqueue('a').entry;
      const b = enqueue('b').entry;
      enqueue('c', { notBefore: at(60_000) });
      for (const e of outbox.claimDue({ now: at(0), limit: 2, leaseMs: 1000 })) {
        outbox.fail(e.id, 'down', at(e.id === a.id ? 30_000 : 50), {
          claim: { attempt: e.attempts },
          progress: { waitingFor: 'openimis' },
        });
      }
      expect(outbox.listBackingOff({ now: at(100) }).map((e) => e.id)).toEqual([a.id]);
      expect(outbox.listBackingOff({ now: at(10) }).map((e) => e.id)).toEqual([a.id, b.id]);
      expect(outbox.listBackingOff({ now: at(10), kinds: ['other'] })).toEqual([]);
    });

    it('reports unknown ids as NotFoundError', () => {
      expect(() => outbox.complete(999)).toThrow(NotFoundError);
      expect(outbox.get(999)).toBeUndefined();
    });
  });

  it('lists and counts by state and kind', () => {
    const a = enqueue('a').entry;
    enqueue('b', { kind: 'openimis.verify', aggregateRef: 'invoice:9' });
    outbox.claimDue({ now: at(0), limit: 1, leaseMs: 1000 });
    outbox.complete(a.id);
    expect(outbox.list({ state: 'done' }).map((e) => e.idempotencyKey)).toEqual(['a']);
    expect(outbox.list({ state: ['pending', 'in_progress'] }).map((e) => e.idempotencyKey)).toEqual(['b']);
    expect(outbox.list({ kind: 'openimis.verify' }).map((e) => e.idempotencyKey)).toEqual(['b']);
    expect(outbox.list({ aggregateRef: 'invoice:9' })).toHaveLength(1);
    expect(outbox.get(a.id)?.state).toBe('done');
    expect(outbox.countByState()).toEqual({ pending: 1, in_progress: 0, done: 1, dead: 0 });
  });
});

describe('nextAttemptDelayMs', () => {
  it('grows exponentially from the base, within [delay/2, delay]', () => {
    const low = (n: number) => nextAttemptDelayMs(n, { random: () => 0 });
    const high = (n: number) => nextAttemptDelayMs(n, { random: () => 0.999999 });
    expect([1, 2, 3, 4].map(low)).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map(high)).toEqual([999, 1999, 3999, 7999]);
  });

  it('is capped at maxMs', () => {
    expect(nextAttemptDelayMs(50, { random: () => 1, maxMs: 60_000 })).toBe(60_000);
    expect(nextAttemptDelayMs(1000, { random: () => 0.5 })).toBeLessThanOrEqual(15 * 60 * 1000);
  });

  it('honours base and factor and clamps a bad random source', () => {
    expect(nextAttemptDelayMs(3, { baseMs: 100, factor: 3, random: () => 0 })).toBe(450);
    expect(nextAttemptDelayMs(1, { random: () => 7 })).toBe(1000);
    expect(nextAttemptDelayMs(0, { random: () => 0 })).toBe(500);
  });
});
