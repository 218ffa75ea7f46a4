/**
 * Golden tests of the invoice mapping documents: each `fixtures/<case>.fhir.json` (copies of the shared openIMIS
 * samples, see fixtures/SOURCES.md) maps to exactly `fixtures/<case>.fineract.json`, and every payload carries
 * only keys that Fineract accepts for the target call (the sandbox simulator's whitelists).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWorkspaceMappingDocs, loadMappingDir } from '@payment-layer/mapping-dsl';
import { FINERACT_PARAMETER_WHITELISTS, FINERACT_REQUIRED_PARAMETERS } from '@payment-layer/sandbox';
import { ValidationError } from '@payment-layer/shared-errors';

const MAPPINGS = join(__dirname, '..', 'mappings');
const FIXTURES = join(__dirname, 'fixtures');
const config = { chargeId: 3, currency: 'USD' };

/** Parsed JSON of a fixture (tests edit it freely). */
function json(name: string): ReturnType<typeof JSON.parse> {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

const mappings = loadMappingDir(MAPPINGS);

function mapping(id: string) {
  const m = mappings.get(id);
  if (m === undefined) {
    throw new Error(`no mapping ${id}`);
  }
  return m;
}

describe('invoice mapping documents', () => {
  it.each([['invoice-to-client-charge', 'invoice-contribution']])(
    '%s maps %s to its golden Fineract payload',
    (id, fixture) => {
      const m = mapping(id);
      const payload = m.apply(json(`${fixture}.fhir.json`), { config });
      expect(payload).toEqual(json(`${fixture}.fineract.json`));

      const operation = m.target.replace(/^fineract\./, '');
      const allowed = FINERACT_PARAMETER_WHITELISTS[operation];
      expect(allowed).toBeDefined();
      expect(Object.keys(payload).filter((k) => !allowed!.includes(k))).toEqual([]);
      expect((FINERACT_REQUIRED_PARAMETERS[operation] ?? []).filter((k) => !(k in payload))).toEqual([]);
    },
  );

  it('loads every document of the app', () => {
    expect([...mappings.keys()]).toEqual(['invoice-to-client-charge']);
  });

  it('rejects an invoice without total, naming Invoice.totalGross', () => {
    const invoice = json('invoice-contribution.fhir.json');
    delete invoice.totalGross;
    try {
      mapping('invoice-to-client-charge').apply(invoice, { config });
      throw new Error('expected a failure');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.location)).toEqual(['Invoice.totalGross']);
    }
  });

  it('rejects an amount with more decimals than its currency has', () => {
    const invoice = json('invoice-contribution.fhir.json');
    invoice.totalGross.value = 10000.005;
    expect(() => mapping('invoice-to-client-charge').apply(invoice, { config })).toThrow(
      /more than 2 decimals/,
    );
  });

  it('rejects something that is not an Invoice', () => {
    expect(() => mapping('invoice-to-client-charge').apply({ resourceType: 'Patient' }, { config })).toThrow(
      ValidationError,
    );
  });

  it('has an up-to-date generated fields mapping document (docs/mappings/invoice-mediator.md)', () => {
    const root = join(__dirname, '..', '..', '..');
    const page = 'docs/mappings/invoice-mediator.md';
    const expected = renderWorkspaceMappingDocs(root).get(page);
    expect(expected).toBeDefined();
    if (readFileSync(join(root, page), 'utf8') !== expected) {
      throw new Error(
        `${page} is stale: run \`npx tsx libs/mapping/dsl/src/cli/render-docs.ts\` and commit the result`,
      );
    }
  });
});
