import {
  AuthenticationError,
  getStatus,
  MappingError,
  NotFoundError,
  UpstreamError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  ValidationError,
} from './errors';

describe('typed errors', () => {
  it.each([
    [new ValidationError('bad'), 400, false],
    [new AuthenticationError('who'), 401, false],
    [new NotFoundError('gone'), 404, false],
    [new MappingError('cannot map'), 422, false],
    [new UpstreamError('fineract', 'rejected', { upstreamStatus: 403 }), 422, false],
    [new UpstreamError('fineract', 'rejected', { upstreamStatus: 400 }), 422, false],
    [new UpstreamError('fineract', 'locked', { upstreamStatus: 409 }), 502, true],
    [new UpstreamError('fineract', 'in flight', { upstreamStatus: 425 }), 502, true],
    [new UpstreamError('openimis', 'broken', { upstreamStatus: 500 }), 502, true],
    [new UpstreamUnavailableError('openimis', 'refused'), 502, true],
    [new UpstreamTimeoutError('fineract', 'slow'), 504, true],
  ])('%s has status %i and retryable=%s', (err, status, retryable) => {
    expect(getStatus(err)).toBe(status);
    expect(err.retryable).toBe(retryable);
  });

  it('keeps the cause and names the class', () => {
    const cause = new Error('socket hang up');
    const err = new UpstreamTimeoutError('fineract', 'no answer', { cause });
    expect(err.cause).toBe(cause);
    expect(err.name).toBe('UpstreamTimeoutError');
    expect(err).toBeInstanceOf(Error);
  });

  it('passes through 4xx statuses of framework errors and hides everything else as 500', () => {
    expect(getStatus({ statusCode: 413 })).toBe(413);
    expect(getStatus({ statusCode: 503 })).toBe(500);
    expect(getStatus(new Error('boom'))).toBe(500);
    expect(getStatus('a string')).toBe(500);
  });
});
