import { MASK, maskBody, maskHeaders, maskUrlCredentials } from './mask';

describe('masking', () => {
  it('masks secret headers whatever their case', () => {
    expect(
      maskHeaders({ Authorization: 'Bearer abc', Cookie: 'a=b', 'Content-Type': 'application/json' }),
    ).toEqual({
      authorization: MASK,
      cookie: MASK,
      'content-type': 'application/json',
    });
  });

  it('masks nested secret keys in JSON bodies and leaves the rest', () => {
    const body = JSON.stringify({
      username: 'u',
      password: 'p',
      nested: [{ token: 't', amount: '10.00' }],
      exp: 1,
    });
    expect(JSON.parse(maskBody(body))).toEqual({
      username: 'u',
      password: MASK,
      nested: [{ token: MASK, amount: '10.00' }],
      exp: 1,
    });
  });

  it('returns a JSON body naming no secret unchanged, and still finds a key hidden behind a \\u escape', () => {
    const plain = '{ "firstname": "Jane", "amount": "10.00" }';
    expect(maskBody(plain)).toBe(plain);
    // "p\u0061ssword" is the key "password" once parsed.
    expect(JSON.parse(maskBody('{"p\\u0061ssword":"s3cret"}'))).toEqual({ password: MASK });
    expect(JSON.parse(maskBody('{"pin":"1234","n":1}'))).toEqual({ pin: MASK, n: 1 });
  });

  it('masks passwords in URLs inside text', () => {
    expect(maskUrlCredentials('see https://user:s3cret@host/x')).toBe(`see https://user:${MASK}@host/x`);
    expect(maskBody('not json https://a:b@c')).toBe(`not json https://a:${MASK}@c`);
  });
});
