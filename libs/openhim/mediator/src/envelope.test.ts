import { ConfigError } from '@payment-layer/shared-errors';
import { MASK, type Orchestration } from '@payment-layer/shared-http';
import { buildEnvelope, statusForHttp } from './envelope';

const orchestration = (): Orchestration => ({
  name: 'Fineract POST /clients',
  request: {
    host: 'f',
    port: '443',
    path: '/clients',
    querystring: '',
    method: 'POST',
    headers: { Authorization: 'Basic x' },
    body: '{}',
    timestamp: '2024-01-01T00:00:00.000Z',
  },
  response: { status: 200, headers: {}, body: '{"clientId":1}', timestamp: '2024-01-01T00:00:00.100Z' },
});

describe('json+openhim envelope', () => {
  it('serialises the body to a string and keeps only scalar properties', () => {
    const env = buildEnvelope({
      urn: 'urn:mediator:x',
      httpStatus: 201,
      body: { resourceType: 'Patient' },
      properties: { id: 'a', n: 1, skip: undefined, none: null },
    });
    expect(env.response.body).toBe('{"resourceType":"Patient"}');
    expect(env.properties).toEqual({ id: 'a', n: 1 });
    expect(env.status).toBe('Successful');
    expect(env.error).toBeUndefined();
  });

  it('masks orchestration headers again on the way out', () => {
    const env = buildEnvelope({ urn: 'u', httpStatus: 200, body: '', orchestrations: [orchestration()] });
    expect(env.orchestrations[0]!.request.headers.authorization).toBe(MASK);
  });

  it('refuses orchestrations core would fail to store', () => {
    const noTimestamp = { ...orchestration(), request: { ...orchestration().request, timestamp: '' } };
    expect(() =>
      buildEnvelope({ urn: 'u', httpStatus: 200, body: '', orchestrations: [noTimestamp] }),
    ).toThrow(ConfigError);
    expect(() =>
      buildEnvelope({
        urn: 'u',
        httpStatus: 200,
        body: '',
        orchestrations: [{ ...orchestration(), name: '' }],
      }),
    ).toThrow(ConfigError);
  });

  it('adds error only for retryable failures', () => {
    expect(
      buildEnvelope({ urn: 'u', httpStatus: 502, body: '', retryableError: 'Fineract down' }).error,
    ).toEqual({ message: 'Fineract down' });
  });

  it.each([
    [200, 'Successful'],
    [201, 'Successful'],
    [202, 'Processing'],
    [400, 'Completed'],
    [422, 'Completed'],
    [502, 'Failed'],
    [504, 'Failed'],
  ])('HTTP %i is the transaction status %s', (status, expected) => {
    expect(statusForHttp(status)).toBe(expected);
  });
});
