/**
 * The recipient mapping documents are copies (this mediator ships on its own): each must equal its source, so a
 * change in the insuree or claim mediator's mapping cannot silently create different clients here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const APPS = join(__dirname, '..', '..');
const COPIES: readonly [string, string][] = [
  ['patient-to-client.mapping.json', 'insuree-mediator'],
  ['group-to-group.mapping.json', 'insuree-mediator'],
  ['organization-to-entity-client.mapping.json', 'claim-mediator'],
];

describe('recipient mapping documents', () => {
  it.each(COPIES)('%s equals the copy in apps/%s/mappings', (file, app) => {
    const copy = JSON.parse(
      readFileSync(join(__dirname, '..', 'recipient-mappings', file), 'utf8'),
    ) as unknown;
    const source = JSON.parse(readFileSync(join(APPS, app, 'mappings', file), 'utf8')) as unknown;
    expect(copy).toEqual(source);
  });
});
