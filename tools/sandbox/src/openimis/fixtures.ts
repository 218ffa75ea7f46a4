/**
 * Seeds the vendored openIMIS fixtures (`fixtures/openimis/*.json`) into the simulator. The backend test
 * payloads are POST bodies without ids: each gets the id openIMIS would give it (its UUID identifier, or a UUID
 * derived from its business code), and a `UUID` identifier when it has none.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FhirResource, Identifier, Invoice } from 'fhir/r4';
import { identifier, identifierValues } from './fhir-shapes';
import { uuidFromName } from './random';
import { RESOURCE_TYPES, type OpenImisResourceType } from './store';

/** The invoice the PaymentNotice fixture pays (`request: Invoice/bd84b2f2-…`); seeded as a copy of the invoice fixture. */
export const PAYMENT_NOTICE_FIXTURE_INVOICE_ID = 'bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f';

/**
 * Finds `fixtures/openimis` by walking up from this file (works from the source tree under jest or tsx).
 *
 * @param start - directory to start from
 * @returns the directory or undefined when not found
 */
export function findFixturesDir(start: string = __dirname): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, 'fixtures', 'openimis');
    if (existsSync(candidate)) {
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      return undefined;
    }
    dir = parent;
  }
}

/** A fixture ready to store. */
export interface SeedResource {
  readonly type: OpenImisResourceType;
  readonly resource: FhirResource;
}

const served = (type: string): type is OpenImisResourceType =>
  (RESOURCE_TYPES as readonly string[]).includes(type);

/**
 * Reads the fixtures of the served resource types (PaymentNotice payloads are request bodies and are not seeded).
 *
 * @param dir - fixtures directory
 * @returns resources with ids, in file-name order, plus a copy of the invoice fixture as the PaymentNotice fixture's target
 */
export function loadFixtures(dir: string): SeedResource[] {
  const out: SeedResource[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const file of files) {
    const type = file.split('__')[0] ?? '';
    if (!served(type) || type === 'PaymentNotice') {
      continue;
    }
    const resource = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as FhirResource & {
      identifier?: Identifier[];
    };
    const uuid = identifierValues(resource.identifier, ['UUID'])[0];
    const code = identifierValues(resource.identifier, ['Code', 'MR', 'LC'])[0];
    const id = uuid ?? resource.id ?? uuidFromName(`fixture:${file}:${code ?? ''}`);
    const withId = { ...resource, id } as FhirResource & { identifier?: Identifier[] };
    if (uuid === undefined) {
      withId.identifier = [identifier('UUID', id), ...(resource.identifier ?? [])];
    }
    out.push({ type, resource: withId });
    if (type === 'Invoice') {
      const copy = structuredClone(withId) as Invoice;
      copy.id = PAYMENT_NOTICE_FIXTURE_INVOICE_ID;
      copy.identifier = [
        identifier('UUID', PAYMENT_NOTICE_FIXTURE_INVOICE_ID),
        identifier('Code', 'TEST-CODE-PN'),
      ];
      out.push({ type, resource: copy });
    }
  }
  return out;
}
