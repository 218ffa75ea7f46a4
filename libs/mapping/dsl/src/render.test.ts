import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMappingMarkdown, renderWorkspaceMappingDocs } from './render';
import { MAPPING_SCHEMA_ID, type MappingDocument } from './types';

const ROOT = join(__dirname, '..', '..', '..', '..');
const STALE =
  'docs/mappings is stale: run `npx tsx libs/mapping/dsl/src/cli/render-docs.ts` and commit the result';

describe('renderMappingMarkdown', () => {
  const document: MappingDocument = {
    $schema: MAPPING_SCHEMA_ID,
    id: 'sample',
    description: 'A sample.',
    source: 'Patient',
    target: 'fineract.clients.create',
    lookups: { gender: { male: 1 }, ids: { $config: 'genderIds' } },
    fields: {
      lastname: { from: 'name[0].family', transform: ['trim'], required: true, notes: 'family | name' },
      genderId: { from: 'gender', lookup: 'gender', default: null, when: { config: 'x', exists: true } },
      fullname: { template: '{name[0].family}, {id}' },
      legalFormId: { const: 1 },
      familyMembers: {
        from: 'contact[*]',
        each: { firstname: { from: 'name.given', required: { error: 'mapping' } } },
      },
    },
    notes: 'Document notes.',
  };

  it('reports the identity modes and where the link key and the code are read', () => {
    const md = renderMappingMarkdown([
      {
        document: {
          ...document,
          identity: {
            modes: ['uuid', 'code'],
            key: ['identifier(UUID).value', 'id'],
            code: 'identifier(Code).value',
            notes: 'by code | read',
          },
        },
      },
    ]);
    expect(md).toContain(
      '- openIMIS identity modes accepted: UUID (the openIMIS default); code (`default_response_identifier` set to codes)',
    );
    expect(md).toContain('- Link key (openIMIS UUID): `Patient.identifier(UUID).value`, else `Patient.id`');
    expect(md).toContain('- Business code: `Patient.identifier(Code).value`');
    expect(md).toContain('- Identity: by code \\| read');
    expect(renderMappingMarkdown([{ document }])).not.toContain('identity modes');
  });

  it('renders a table row per field, lookups, notes and the transforms used', () => {
    const md = renderMappingMarkdown([{ document, file: 'apps/x/mappings/sample.mapping.json' }], 'Title');
    expect(md).toContain('# Title');
    expect(md).toContain('## sample: Patient → fineract.clients.create');
    expect(md).toContain('- Fineract call: `POST /clients`');
    expect(md).toContain(
      '| `lastname` | `Patient.name[0].family` | `trim`; **required** | family \\| name |',
    );
    expect(md).toContain('only if config `x` exists; lookup `gender`; left out when missing');
    expect(md).toContain('text `{Patient.name[0].family}, {Patient.id}`');
    expect(md).toContain('| `legalFormId` | constant `1` |');
    expect(md).toContain(
      '| `familyMembers[].firstname` | `Patient.contact[i].name.given` | **required** (422) |',
    );
    expect(md).toContain('| `male` | `1` |');
    expect(md).toContain('taken from config `genderIds`');
    expect(md).toContain('Document notes.');
    expect(md).toContain('| `trim` | remove leading and trailing white space |');
    expect(md.endsWith('\n')).toBe(true);
  });
});

describe('docs/mappings', () => {
  it('is up to date with the mapping documents of every app', () => {
    const expected = renderWorkspaceMappingDocs(ROOT);
    expect(expected.size).toBeGreaterThan(1);
    const dir = join(ROOT, 'docs', 'mappings');
    const committed = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.md')) : [];
    const stale: string[] = [];
    for (const [path, text] of expected) {
      const file = join(ROOT, path);
      if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
        stale.push(path);
      }
    }
    for (const name of committed) {
      if (!expected.has(`docs/mappings/${name}`)) {
        stale.push(`docs/mappings/${name} (no longer generated)`);
      }
    }
    if (stale.length > 0) {
      throw new Error(`${STALE}\n  ${stale.join('\n  ')}`);
    }
  });
});
