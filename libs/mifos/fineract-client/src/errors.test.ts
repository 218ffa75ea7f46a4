import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fineractErrorBody } from './testing';
import { FineractError, isDuplicateError, isNotFoundError, parseFineractError } from './errors';

const FIXTURES = join(__dirname, '../../../../fixtures/fineract');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

describe('parseFineractError', () => {
  it('keeps validation details with parameterName, without developerMessage (fixture 07)', () => {
    const body = fixture('07-error-400-validation.json')['response'];
    const err = parseFineractError(400, { 'content-type': 'application/json' }, JSON.stringify(body));
    expect(err).toBeInstanceOf(FineractError);
    expect(err.upstreamStatus).toBe(400);
    expect(err.statusCode).toBe(422);
    expect(err.retryable).toBe(false);
    expect(err.userMessageGlobalisationCode).toBe('validation.msg.validation.errors.exist');
    expect(err.errorCode).toBe('validation.msg.office.name.cannot.be.blank');
    expect(err.upstreamCode).toBe('validation.msg.office.name.cannot.be.blank');
    expect(err.errors.map((e) => e.parameterName)).toEqual(['name', 'openingDate', 'parentId']);
    expect(err.errors[0]!.defaultUserMessage).toBe('The parameter name cannot be blank.');
    expect(err.issues.map((i) => i.location)).toEqual(['name', 'openingDate', 'parentId']);
    expect(err.message).toContain('The parameter name cannot be blank.');
    expect(JSON.stringify(err)).not.toContain('developerMessage');
    expect(err.message).not.toContain('developer');
    expect(err.fromFineract).toBe(true);
  });

  it('recognises a 403 duplicate externalId (client and group) as "exists"', () => {
    const client = parseFineractError(
      403,
      {},
      JSON.stringify(
        fineractErrorBody(403, 'validation.msg.domain.rule.violation', [
          { code: 'error.msg.client.duplicate.externalId', parameterName: 'externalId' },
        ]),
      ),
    );
    expect(isDuplicateError(client)).toBe(true);
    expect(client.errorCode).toBe('error.msg.client.duplicate.externalId');
    expect(client.userMessageGlobalisationCode).toBe('validation.msg.domain.rule.violation');
    const group = parseFineractError(
      403,
      {},
      JSON.stringify(fineractErrorBody(403, 'error.msg.group.duplicate.externalId')),
    );
    expect(isDuplicateError(group)).toBe(true);
    const mobile = parseFineractError(
      403,
      {},
      JSON.stringify(fineractErrorBody(403, 'x', [{ code: 'error.msg.client.duplicate.mobileNo' }])),
    );
    expect(isDuplicateError(mobile)).toBe(false);
    expect(isDuplicateError(mobile, 'mobileNo')).toBe(true);
    const insufficient = parseFineractError(
      403,
      {},
      JSON.stringify(
        fineractErrorBody(403, 'validation.msg.domain.rule.violation', [
          { code: 'error.msg.savingsaccount.transaction.insufficient.account.balance' },
        ]),
      ),
    );
    expect(isDuplicateError(insufficient)).toBe(false);
    expect(isDuplicateError(new Error('error.msg.client.duplicate.externalId'))).toBe(false);
  });

  it('parses 404 with the specific code in errors[0]', () => {
    const err = parseFineractError(
      404,
      {},
      JSON.stringify(
        fineractErrorBody(404, 'error.msg.resource.not.found', [{ code: 'error.msg.client.id.invalid' }]),
      ),
    );
    expect(isNotFoundError(err)).toBe(true);
    expect(err.errorCode).toBe('error.msg.client.id.invalid');
    expect(err.statusCode).toBe(422);
  });

  it('handles the plain-text servlet error of a bad tenant', () => {
    const err = parseFineractError(
      400,
      { 'content-type': 'text/html' },
      '<html><body><h1>HTTP Status 400</h1><p>The tenant identifier: nope is not valid.</p></body></html>',
    );
    expect(err.upstreamStatus).toBe(400);
    expect(err.errors).toEqual([]);
    expect(err.errorCode).toBeUndefined();
    expect(err.message).toContain('The tenant identifier: nope is not valid.');
    expect(err.message).not.toContain('<');
    expect(err.fromFineract).toBe(false);
  });

  it('never exposes developerMessage or details on 5xx', () => {
    const body = {
      developerMessage: 'java.sql.SQLException: table m_secret at line 42',
      httpStatusCode: '500',
      defaultUserMessage: 'Unknown error: java.sql.SQLException m_secret',
      userMessageGlobalisationCode: 'error.msg.platform.server.side.error',
      errors: [{ developerMessage: 'stack m_secret', defaultUserMessage: 'm_secret', parameterName: 'id' }],
    };
    const err = parseFineractError(500, {}, JSON.stringify(body));
    expect(err.statusCode).toBe(502);
    expect(err.retryable).toBe(true);
    expect(err.message).toBe('Fineract failed with 500 (error.msg.platform.server.side.error)');
    expect(err.errors).toEqual([]);
    expect(err.issues).toEqual([]);
    expect(JSON.stringify(err)).not.toContain('m_secret');
    expect(err.fromFineract).toBe(true);
    const gateway = parseFineractError(502, {}, '<html>Bad Gateway: upstream m_secret</html>');
    expect(gateway.message).toBe('Fineract answered 502');
    expect(gateway.fromFineract).toBe(false);
  });

  it('marks cached replays', () => {
    const err = parseFineractError(
      500,
      { 'x-served-from-cache': 'true' },
      JSON.stringify(fineractErrorBody(500, 'error.msg.platform.server.side.error')),
      'pl:op:1',
    );
    expect(err.servedFromCache).toBe(true);
    expect(err.idempotencyKey).toBe('pl:op:1');
  });
});
