/**
 * Golden tests of the insuree mapping documents: each `fixtures/<case>.fhir.json` (copies of the shared openIMIS
 * samples, see fixtures/SOURCES.md) maps to exactly `fixtures/<case>.fineract.json`, and every payload carries
 * only keys that Fineract accepts for the target call (the sandbox simulator's whitelists).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  renderWorkspaceMappingDocs,
  loadMappingDir,
  loadMappingFile,
  MappingDocumentError,
} from '@payment-layer/mapping-dsl';
import { FINERACT_PARAMETER_WHITELISTS, FINERACT_REQUIRED_PARAMETERS } from '@payment-layer/sandbox';
import { ConfigError, ValidationError } from '@payment-layer/shared-errors';
import { PARTY_MAPPINGS_DIR } from '@payment-layer/flows-parties';

const MAPPINGS = PARTY_MAPPINGS_DIR;
const FIXTURES = join(__dirname, 'fixtures');
const config = { officeId: 1, today: '2024-05-17', genderIds: { male: 22, female: 23 } };

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

describe('insuree mapping documents', () => {
  it.each([
    ['patient-to-client', 'patient-member'],
    ['patient-to-client', 'patient-head'],
    ['group-to-group', 'group-family'],
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
    expect([...mappings.keys()].sort()).toEqual(['group-to-group', 'patient-to-client']);
  });

  it('sends no genderId when the deployment maps no gender codes, and no mobileNo when told not to', () => {
    const payload = mapping('patient-to-client').apply(json('patient-member.fhir.json'), {
      config: { officeId: 1, today: '2024-05-17', sendMobileNo: false },
    });
    expect(payload).not.toHaveProperty('genderId');
    expect(payload).not.toHaveProperty('mobileNo');
    expect(payload.emailAddress).toBe('TEST@TEST.com');
  });

  it('rejects a Patient without name, naming Patient.name', () => {
    const patient = json('patient-member.fhir.json');
    delete patient.name;
    expect(() => mapping('patient-to-client').apply(patient, { config })).toThrow(ValidationError);
    try {
      mapping('patient-to-client').apply(patient, { config });
    } catch (err) {
      const locations = (err as ValidationError).issues.map((i) => i.location);
      expect(locations).toEqual(['Patient.name', 'Patient.name']);
      expect((err as ValidationError).statusCode).toBe(400);
    }
  });

  it('rejects a Patient without UUID (a POST body) and one with a non-UUID id', () => {
    const patient = json('patient-member.fhir.json');
    patient.identifier = patient.identifier.filter(
      (i: { type: { coding: { code: string }[] } }) => i.type.coding[0]?.code !== 'UUID',
    );
    patient.id = '827192671';
    expect(() => mapping('patient-to-client').apply(patient, { config })).toThrow(/not a UUID/);
    delete patient.id;
    expect(() => mapping('patient-to-client').apply(patient, { config })).toThrow(
      /Patient\.identifier\(UUID\)/,
    );
  });

  it('treats a missing office as a configuration error, not bad input', () => {
    expect(() =>
      mapping('patient-to-client').apply(json('patient-member.fhir.json'), {
        config: { today: '2024-05-17' },
      }),
    ).toThrow(ConfigError);
  });

  it('explains where each field came from', () => {
    const explained = mapping('patient-to-client').explain(json('patient-member.fhir.json'), { config });
    const lastname = explained.find((e) => e.field === 'lastname');
    expect(lastname).toMatchObject({
      source: ['Patient.name[0].family'],
      sourceValue: 'TEST_LAST_NAME',
      emitted: true,
    });
    expect(explained.find((e) => e.field === 'savingsProductId')).toMatchObject({
      emitted: false,
      reason: 'when',
    });
  });

  it('sends several given names as one firstname, as openIMIS keeps them in one other_names', () => {
    const patient = json('patient-member.fhir.json');
    patient.name[0].given = ['Amina', ' Grace ', 'Wanjiru'];
    const payload = mapping('patient-to-client').apply(patient, { config });
    expect(payload.firstname).toBe('Amina Grace Wanjiru');
    expect(payload).not.toHaveProperty('middlename');
  });

  it('fails at load on a typo in a rule, naming the file and the JSON pointer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-'));
    try {
      const doc = JSON.parse(readFileSync(join(MAPPINGS, 'patient-to-client.mapping.json'), 'utf8'));
      doc.fields.lastname.transform = ['trim', 'uper'];
      const file = join(dir, 'patient-to-client.mapping.json');
      writeFileSync(file, JSON.stringify(doc));
      expect(() => loadMappingFile(file)).toThrow(MappingDocumentError);
      expect(() => loadMappingFile(file)).toThrow(
        'patient-to-client.mapping.json: /fields/lastname/transform/1: unknown transform "uper"',
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('has an up-to-date generated fields mapping document (docs/mappings/flows-parties.md)', () => {
    const root = join(__dirname, '..', '..', '..');
    const page = 'docs/mappings/flows-parties.md';
    const expected = renderWorkspaceMappingDocs(root).get(page);
    expect(expected).toBeDefined();
    if (readFileSync(join(root, page), 'utf8') !== expected) {
      throw new Error(
        `${page} is stale: run \`npx tsx libs/mapping/dsl/src/cli/render-docs.ts\` and commit the result`,
      );
    }
  });
});
