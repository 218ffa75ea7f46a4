/**
 * The made-for-test variant fixtures (`./variants/*.json`, provenance in `./variants/README.md`): one household
 * whose members share a phone, with identifier types without system, older extension URLs, an address given as
 * `line`, several given names, and its contribution invoice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FhirResource } from 'fhir/r4';
import type { SeedResource } from './fixtures';
import { RESOURCE_TYPES, type OpenImisResourceType } from './store';

/** Ids and codes of the variant household, for tests. */
export const VARIANT_HOUSEHOLD = {
  familyId: '5a1f0c3e-7d2b-4e8a-9c41-2b7d9e0f6a11',
  headId: '5a1f0c3e-7d2b-4e8a-9c41-2b7d9e0f6a01',
  headChfId: '990100001',
  /** The member with two given names. */
  givenNamesMemberId: '5a1f0c3e-7d2b-4e8a-9c41-2b7d9e0f6a02',
  givenNamesMemberChfId: '990100002',
  memberId: '5a1f0c3e-7d2b-4e8a-9c41-2b7d9e0f6a03',
  memberChfId: '990100003',
  invoiceId: '5a1f0c3e-7d2b-4e8a-9c41-2b7d9e0f6a21',
  invoiceCode: 'IV-HHV1-990100001-2024-06',
  /** The phone every member of the household gives. */
  phone: '+256700555123',
  /** The invoice total, as a decimal string. */
  invoiceTotal: '12000.00',
} as const;

/** Where the variant fixtures are. */
export const VARIANT_FIXTURES_DIR = path.join(__dirname, 'variants');

/**
 * Reads the variant fixtures (as stored: UUID identity mode).
 *
 * @param dir - directory, default {@link VARIANT_FIXTURES_DIR}
 * @returns the resources, in file-name order
 */
export function loadVariantFixtures(dir: string = VARIANT_FIXTURES_DIR): SeedResource[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const resource = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as FhirResource;
      const type = resource.resourceType as OpenImisResourceType;
      if (!(RESOURCE_TYPES as readonly string[]).includes(type)) {
        throw new RangeError(`${file}: ${resource.resourceType} is not served by the simulator`);
      }
      return { type, resource };
    });
}
