/**
 * Golden tests of the claim mapping documents: each `fixtures/<case>.fhir.json` (copies of the shared openIMIS
 * samples, see fixtures/SOURCES.md) maps to exactly `fixtures/<case>.fineract.json`, and every payload carries
 * only keys that Fineract accepts for the target call (the sandbox simulator's whitelists).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWorkspaceMappingDocs, loadMappingDir } from '@payment-layer/mapping-dsl';
import { FINERACT_PARAMETER_WHITELISTS, FINERACT_REQUIRED_PARAMETERS } from '@payment-layer/sandbox';
import { MappingError, ValidationError } from '@payment-layer/shared-errors';

const MAPPINGS = join(__dirname, '..', 'mappings');
const FIXTURES = join(__dirname, 'fixtures');
const config = { officeId: 2, today: '2024-05-17', paymentTypeId: 4, currency: 'USD', savingsProductId: 7 };

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

describe('claim mapping documents', () => {
  it.each([
    ['organization-to-entity-client', 'organization-health-facility'],
    ['claimresponse-to-deposit', 'claimresponse-valuated'],
  ])('%s maps %s to its golden Fineract payload', (id, fixture) => {
    const m = mapping(id);
    const payload = m.apply(json(`${fixture}.fhir.json`), { config });
    expect(payload).toEqual(json(`${fixture}.fineract.json`));

    const operation = m.target.replace(/^fineract\./, '');
    const allowed = FINERACT_PARAMETER_WHITELISTS[operation];
    expect(allowed).toBeDefined();
    expect(Object.keys(payload).filter((k) => !allowed!.includes(k))).toEqual([]);
    expect((FINERACT_REQUIRED_PARAMETERS[operation] ?? []).filter((k) => !(k in payload))).toEqual([]);
  });

  it('loads every document of the app', () => {
    expect([...mappings.keys()].sort()).toEqual([
      'claimresponse-to-deposit',
      'organization-to-entity-client',
    ]);
  });

  it('refuses to pay a claim that is only entered (no total with category 16), as a 422', () => {
    const entered = json('claimresponse-entered.fhir.json');
    expect(() => mapping('claimresponse-to-deposit').apply(entered, { config })).toThrow(MappingError);
    expect(() => mapping('claimresponse-to-deposit').apply(entered, { config })).toThrow(/not valuated/);
  });

  it('rejects a valuated total in another currency than the configured one', () => {
    const claim = json('claimresponse-valuated.fhir.json');
    expect(() =>
      mapping('claimresponse-to-deposit').apply(claim, { config: { ...config, currency: 'TZS' } }),
    ).toThrow(ValidationError);
  });

  it('keeps the exact decimal amount of the valuated total', () => {
    const claim = json('claimresponse-valuated.fhir.json');
    claim.total[3].amount.value = 150000.5;
    expect(mapping('claimresponse-to-deposit').apply(claim, { config }).transactionAmount).toBe('150000.50');
    claim.total[3].amount.value = 0.1 + 0.2;
    expect(() => mapping('claimresponse-to-deposit').apply(claim, { config })).toThrow(ValidationError);
  });

  it('reads the claim code whichever identifier type the deployment emits', () => {
    const claim = json('claimresponse-valuated.fhir.json');
    claim.identifier[1].type.coding[0].code = 'MR';
    expect(mapping('claimresponse-to-deposit').apply(claim, { config }).receiptNumber).toBe('codeTest');
  });

  it('has an up-to-date generated fields mapping document (docs/mappings/claim-mediator.md)', () => {
    const root = join(__dirname, '..', '..', '..');
    const page = 'docs/mappings/claim-mediator.md';
    const expected = renderWorkspaceMappingDocs(root).get(page);
    expect(expected).toBeDefined();
    if (readFileSync(join(root, page), 'utf8') !== expected) {
      throw new Error(
        `${page} is stale: run \`npx tsx libs/mapping/dsl/src/cli/render-docs.ts\` and commit the result`,
      );
    }
  });
});
