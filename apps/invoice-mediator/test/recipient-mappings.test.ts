/**
 * The recipient mapping documents are copies (this mediator ships on its own): each must equal its source, so a
 * change in the parties' (insuree) or the claim mediator's mapping cannot silently create different clients here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const COPIES: readonly [string, string][] = [
  ['patient-to-client.mapping.json', 'libs/flows/parties/mappings'],
  ['group-to-group.mapping.json', 'libs/flows/parties/mappings'],
  ['organization-to-entity-client.mapping.json', 'apps/claim-mediator/mappings'],
];

describe('recipient mapping documents', () => {
  it.each(COPIES)('%s equals its source in %s', (file, from) => {
    const copy = JSON.parse(
      readFileSync(join(__dirname, '..', 'recipient-mappings', file), 'utf8'),
    ) as unknown;
    const source = JSON.parse(readFileSync(join(ROOT, from, file), 'utf8')) as unknown;
    expect(copy).toEqual(source);
  });
});
