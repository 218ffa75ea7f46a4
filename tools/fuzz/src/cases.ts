import fc from 'fast-check';

/** One mediator route under test. */
export interface FuzzRoute {
  /** Shown in reports, e.g. `insuree POST /fhir/Patient`. */
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Path without query, e.g. `/fhir/Patient`. */
  readonly path: string;
  /** How the caller authenticates: the OpenHIM route credentials, or the hook secret in the query. */
  readonly auth: 'basic' | 'hook';
  /** A valid body to mutate (omitted for query-only routes). */
  readonly seed?: unknown;
  /** Query parameters the route reads (each is fuzzed with bad values). */
  readonly queryParams?: readonly string[];
  /**
   * Elements a mapping combines into one Fineract field, by the path prefix of the element made bad: a 400 may name
   * the mapped field's own source instead (e.g. `{ identifier: ['name'] }` — the group name template holds the
   * Code identifier, and a too-long result is reported at `Group.name`).
   */
  readonly reportedWith?: Readonly<Record<string, readonly string[]>>;
  /** Extra headers every request carries (the hook's Fineract headers). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a case does to a route's request, for the report and the "field named" invariant. */
export type CaseKind =
  'field' | 'raw-body' | 'deep' | 'bundle-entry' | 'content-type' | 'url' | 'query' | 'huge';

/** One generated request. */
export interface FuzzCase {
  readonly route: FuzzRoute;
  readonly kind: CaseKind;
  readonly method: string;
  /** Path and query as sent. */
  readonly url: string;
  readonly headers: Record<string, string>;
  /** Body text as sent (undefined: no body). */
  readonly payload?: string;
  /** For `field` cases: the FHIRPath-like location of the element made bad, e.g. `name[0].family`. */
  readonly field?: string;
  /** Short description for the report. */
  readonly label: string;
}

/** Credentials the app under test is configured with, for building requests (never expected in logs). */
export interface FuzzCredentials {
  readonly authorization: string;
  readonly hookSecret?: string;
}

type Path = readonly (string | number)[];

/** Every element path of a JSON value (objects and arrays included), root excluded. */
export function elementPaths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i], ...elementPaths(v, [...prefix, i]));
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k], ...elementPaths(v, [...prefix, k]));
    }
  }
  return out;
}

/** `['name', 0, 'family']` → `name[0].family`. */
export function pathLocation(path: Path): string {
  let out = '';
  for (const s of path) {
    out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  }
  return out;
}

const RAW = '\u0000raw:';

/** A placeholder replaced by raw JSON text after serialisation (numbers JSON.stringify cannot write). */
function raw(text: string): string {
  return `${RAW}${text}`;
}

function stringify(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000raw:([^"]*)"/g, (_m, text: string) => text);
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root);
  let cur = copy as Record<string | number, unknown>;
  for (const s of path.slice(0, -1)) {
    cur = cur[s] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) {
    cur[last] = value;
  }
  return copy;
}

const CONTROL = fc.integer({ min: 0, max: 31 }).filter((c) => c !== 9 && c !== 10 && c !== 13);

/** Bad values of every kind, as JSON-ready values (raw placeholders for non-JSON numbers). */
export const badValue: fc.Arbitrary<unknown> = fc.oneof(
  // control characters inside ordinary text
  fc
    .tuple(fc.string({ maxLength: 8 }), CONTROL, fc.string({ maxLength: 8 }))
    .map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`),
  // unpaired surrogates
  fc.constantFrom('\ud800', 'abc\udbff', '\udc00xyz', 'x\udfff\ud800y'),
  // dates that match the patterns but are not calendar days, and dates that match nothing
  fc.constantFrom(
    '2023-02-30',
    '2021-04-31',
    '1900-02-29',
    '2023-02-30T10:00:00Z',
    '2023-13-01',
    '2023-00-10',
    '30/02/2023',
    '2023-2-3',
    '',
    ' ',
  ),
  // odd amounts and numbers (raw: Infinity after parsing, beyond double precision, negative, zero, tiny)
  fc
    .constantFrom(
      '1e309',
      '-1e309',
      '-1',
      '0',
      '-0',
      '10.001',
      '0.0000001',
      '123456789012345678901234567890',
      '1e-400',
      '99999999999999999999.99',
    )
    .map(raw),
  fc.double(),
  // wrong types
  fc.constantFrom(null, true, false, 42, -7.5, [], {}, [null], [[]], 'string', { resourceType: 'Patient' }),
  fc.jsonValue({ maxDepth: 3 }),
  // long strings (under the body limit)
  fc.integer({ min: 1_000, max: 100_000 }).map((n) => 'x'.repeat(n)),
);

function withAuth(
  route: FuzzRoute,
  creds: FuzzCredentials,
  path = route.path,
): { url: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { ...(route.headers ?? {}) };
  if (route.auth === 'basic') {
    headers.authorization = creds.authorization;
    return { url: path, headers };
  }
  return { url: `${path}?secret=${encodeURIComponent(creds.hookSecret ?? '')}`, headers };
}

const FHIR_JSON = 'application/fhir+json';

/** How often each kind of case is drawn: mostly made-bad fields, where the flows' own checks are exercised. */
const KIND_WEIGHTS: Readonly<Record<CaseKind, number>> = {
  field: 10,
  'raw-body': 3,
  deep: 1,
  'bundle-entry': 3,
  'content-type': 1,
  url: 3,
  query: 4,
  huge: 1,
};

function bodyCase(
  route: FuzzRoute,
  creds: FuzzCredentials,
  kind: CaseKind,
  payload: string,
  label: string,
  extra: Partial<FuzzCase> = {},
): FuzzCase {
  const { url, headers } = withAuth(route, creds);
  return {
    route,
    kind,
    method: route.method,
    url,
    headers: { ...headers, 'content-type': route.auth === 'hook' ? 'application/json' : FHIR_JSON },
    payload,
    label,
    ...extra,
  };
}

function deepJson(levels: number): string {
  return `${'{"extension":['.repeat(levels)}1${']}'.repeat(levels)}`;
}

/**
 * Cases for one route.
 *
 * @param route - the route
 * @param creds - credentials of the app under test
 * @returns an arbitrary of cases
 */
export function casesFor(route: FuzzRoute, creds: FuzzCredentials): fc.Arbitrary<FuzzCase> {
  const arbs: fc.WeightedArbitrary<FuzzCase>[] = [];
  const w = (kind: CaseKind, arbitrary: fc.Arbitrary<FuzzCase>): fc.WeightedArbitrary<FuzzCase> => ({
    weight: KIND_WEIGHTS[kind],
    arbitrary,
  });
  const seed = route.seed;
  if (seed !== undefined) {
    const paths = elementPaths(seed);
    const seedText = JSON.stringify(seed);
    arbs.push(
      w(
        'field',
        fc.tuple(fc.constantFrom(...paths), badValue).map(([path, value]) =>
          bodyCase(
            route,
            creds,
            'field',
            stringify(setAt(seed, path, value)),
            `${pathLocation(path)} := bad`,
            {
              field: pathLocation(path),
            },
          ),
        ),
      ),
      w(
        'raw-body',
        fc
          .oneof(
            fc.integer({ min: 0, max: Math.max(0, seedText.length - 1) }).map((n) => seedText.slice(0, n)),
            fc.string({ maxLength: 40 }),
            fc.constantFrom(
              '',
              'null',
              '[]',
              '"Patient"',
              '42',
              '{}',
              '{"resourceType":"Bundle","entry":[null]}',
              '{"resourceType":"Bundle","type":"batch","entry":[null]}',
              '{"resourceType":"Bundle","type":"batch","entry":[{"resource":null}]}',
              '{"__proto__":{"polluted":true},"resourceType":"Patient"}',
              '{"constructor":{"prototype":{"polluted":true}}}',
              '{"resourceType":"Patient","id":"x"}{"trailing":1}',
              '\ufeff{"resourceType":"Patient"}',
              seedText.replace(/:/, '::'),
            ),
          )
          .map((text) => bodyCase(route, creds, 'raw-body', text, 'malformed body')),
      ),
      w(
        'deep',
        fc
          .constantFrom(2000, 500, 65, 64, 63)
          .map((n) => bodyCase(route, creds, 'deep', deepJson(n), `nested ${n} levels`)),
      ),
      w(
        'bundle-entry',
        fc
          .array(
            fc.oneof(
              fc.constant(null),
              fc.constant('x'),
              fc.constant([]),
              fc.constant({ resource: null }),
              fc.constant({ resource: 'x' }),
              fc.constant({ resource: seed }),
              badValue.map((v) => ({ resource: v })),
            ),
            { minLength: 1, maxLength: 4 },
          )
          .chain((entries) =>
            fc
              .constantFrom('batch', 'transaction', 'history', 'document', undefined)
              .map((type) =>
                bodyCase(
                  route,
                  creds,
                  'bundle-entry',
                  stringify({ resourceType: 'Bundle', ...(type ? { type } : {}), entry: entries }),
                  'Bundle with odd entries',
                ),
              ),
          ),
      ),
      w(
        'content-type',
        fc
          .constantFrom(
            'text/plain',
            'application/xml',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/json; charset=latin1',
            'application/fhir+xml',
            'application/octet-stream',
            '',
          )
          .map((type) => {
            const c = bodyCase(route, creds, 'content-type', seedText, `content-type ${type || '(none)'}`);
            const headers = { ...c.headers };
            if (type === '') {
              delete headers['content-type'];
            } else {
              headers['content-type'] = type;
            }
            return { ...c, headers };
          }),
      ),
      w(
        'huge',
        fc
          .constantFrom(1_100_000, 2_500_000)
          .map((n) =>
            bodyCase(
              route,
              creds,
              'huge',
              stringify(setAt(seed, [Object.keys(seed as object)[0] ?? 'x'], 'y'.repeat(n))),
              `body of ${n} bytes`,
            ),
          ),
      ),
    );
  }
  // URL, method and header variants: another letter case, a trailing slash, doubled slashes, secrets and
  // personal data in the query string, other methods, wrong or missing credentials.
  arbs.push(
    w(
      'url',
      fc
        .record({
          path: fc.constantFrom(
            route.path,
            `${route.path}/`,
            route.path.toUpperCase(),
            route.path.replace(/\//g, '//'),
            `${route.path}/%00`,
            `${route.path}/..%2f..%2fetc%2fpasswd`,
            `${route.path}/${'a'.repeat(5000)}`,
          ),
          method: fc.constantFrom(route.method, 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
          auth: fc.constantFrom('right', 'none', 'wrong', 'lower-case scheme', 'hook secret in query'),
          query: fc.constantFrom(
            '',
            '?secret=__HOOK__',
            '?SECRET=__HOOK__&name=Fuzzfamilyname',
            '?_format=xml',
            '?a=%ZZ',
            '?x=1&x=2',
          ),
        })
        .map(({ path, method, auth, query }) => {
          const base = withAuth(route, creds, path);
          const headers: Record<string, string> = { ...base.headers, 'content-type': FHIR_JSON };
          if (auth === 'none') {
            delete headers.authorization;
          } else if (auth === 'wrong') {
            headers.authorization = `Basic ${Buffer.from('openhim:wrong-password-xyz').toString('base64')}`;
          } else if (auth === 'lower-case scheme' && headers.authorization) {
            headers.authorization = headers.authorization.replace(/^Basic/, 'basic');
          }
          let url = auth === 'hook secret in query' || route.auth === 'hook' ? base.url : path;
          const q = query.replace('__HOOK__', encodeURIComponent(creds.hookSecret ?? 'no-secret'));
          url = q === '' ? url : url.includes('?') ? `${url}&${q.slice(1)}` : `${url}${q}`;
          const hasBody = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && seed !== undefined;
          return {
            route,
            kind: 'url' as const,
            method,
            url,
            headers,
            ...(hasBody ? { payload: JSON.stringify(seed) } : {}),
            label: `${method} ${path.slice(0, 60)}${q} (${auth})`,
          };
        }),
    ),
  );
  for (const param of route.queryParams ?? []) {
    arbs.push(
      w(
        'query',
        fc
          .oneof(
            fc.constantFrom(
              '2023-02-30',
              '2023-13-01',
              '',
              'yesterday',
              '2024-01-01T25:00:00Z',
              '2024-1-1',
              '0000-00-00',
              '2024-02-29',
            ),
            fc.string({ maxLength: 20 }),
            fc.tuple(fc.constant('2024-01-01'), fc.constant('2024-02-01')).map((xs) => xs),
          )
          .map((value) => {
            const { url, headers } = withAuth(route, creds);
            const values = Array.isArray(value) ? value : [value];
            const qs = values.map((v) => `${param}=${encodeURIComponent(v)}`).join('&');
            return {
              route,
              kind: 'query' as const,
              method: route.method,
              url: `${url}${url.includes('?') ? '&' : '?'}${qs}`,
              headers,
              label: `${param}=${values.join('&')}`,
              field: param,
            };
          }),
      ),
    );
  }
  return fc.oneof(...arbs);
}
