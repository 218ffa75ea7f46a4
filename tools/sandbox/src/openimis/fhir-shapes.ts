/**
 * Building blocks of the FHIR shapes the openIMIS backend emits (module `api_fhir_r4`), written to match the
 * converters, including their inconsistencies (double-slash URLs, relative code systems): see
 * `docs/contracts/openimis-fhir.md` §5.
 */
import type { Extension, Identifier, Reference } from 'fhir/r4';

/** IG base URL without the trailing slash. */
export const IG_BASE = 'https://openimis.github.io/openimis_fhir_r4_ig';

/** System of `Identifier.type.coding[0]` on every identifier the backend emits. */
export const IDENTIFIER_TYPE_SYSTEM = `${IG_BASE}/CodeSystem/openimis-identifiers`;

/** Id of the configured insurer organisation (`recipient` of every PaymentNotice). */
export const INSURER_ID = 'openIMIS-Implementation';

/** Identifier type codes emitted with the shipped default module configuration. */
export type IdentifierTypeCode = 'UUID' | 'Code' | 'MR' | 'LC' | 'PPN' | 'ACSN';

/**
 * An identifier as the converters build it: typed by `type.coding[0].code`, no `Identifier.system`.
 *
 * @param code - identifier type code
 * @param value - identifier value
 * @returns the identifier
 */
export function identifier(code: IdentifierTypeCode, value: string): Identifier {
  return { type: { coding: [{ system: IDENTIFIER_TYPE_SYSTEM, code }] }, value };
}

/**
 * A reference in the emitted shape: `reference`, `type`, a UUID `identifier` and an optional `display`.
 *
 * @param type - referenced resource type
 * @param uuid - referenced entity UUID
 * @param display - display text (usually the business code)
 * @returns the reference
 */
export function reference(type: string, uuid: string, display?: string): Reference {
  const ref: Reference = { reference: `${type}/${uuid}`, type, identifier: identifier('UUID', uuid) };
  if (display !== undefined) {
    ref.display = display;
  }
  return ref;
}

/**
 * A canonical single-slash StructureDefinition URL.
 *
 * @param name - extension name (last path segment)
 * @returns the URL
 */
export function structureDefinition(name: string): string {
  return `${IG_BASE}/StructureDefinition/${name}`;
}

/**
 * The double-slash URL some converters build (`…_ig//StructureDefinition/unit-price`), reproduced on purpose.
 *
 * @param name - extension name
 * @returns the URL with the extra slash
 */
export function doubleSlashStructureDefinition(name: string): string {
  return `${IG_BASE}//StructureDefinition/${name}`;
}

/**
 * A double-slash CodeSystem URL (`…_ig//CodeSystem/organization-hf-level`).
 *
 * @param name - code system name
 * @returns the URL with the extra slash
 */
export function doubleSlashCodeSystem(name: string): string {
  return `${IG_BASE}//CodeSystem/${name}`;
}

/**
 * A single-slash CodeSystem URL.
 *
 * @param name - code system name
 * @returns the URL
 */
export function codeSystem(name: string): string {
  return `${IG_BASE}/CodeSystem/${name}`;
}

/**
 * The two extensions openIMIS puts on an address: the ward (`address-municipality`) and the village location.
 *
 * @param municipality - ward name
 * @param locationUuid - village location UUID
 * @param doubleSlash - build the location extension URL with the extra slash (Organization converter)
 * @returns the extensions
 */
export function addressExtensions(
  municipality: string | undefined,
  locationUuid: string,
  doubleSlash = false,
): Extension[] {
  const out: Extension[] = [];
  if (municipality !== undefined) {
    out.push({ url: structureDefinition('address-municipality'), valueString: municipality });
  }
  out.push({
    url: doubleSlash
      ? doubleSlashStructureDefinition('address-location-reference')
      : structureDefinition('address-location-reference'),
    valueReference: reference('Location', locationUuid),
  });
  return out;
}

/**
 * The business-code identifier type codes: a deployment emits `Code`, `MR`, `LC` or legacy `SB` for codes.
 */
export const BUSINESS_CODE_TYPES: readonly string[] = ['Code', 'MR', 'LC', 'SB'];

/**
 * Values of a resource's identifiers whose type code is one of `codes`.
 *
 * @param identifiers - identifiers of the resource
 * @param codes - accepted type codes
 * @returns the matching values
 */
export function identifierValues(
  identifiers: readonly Identifier[] | undefined,
  codes: readonly string[],
): string[] {
  const out: string[] = [];
  for (const id of identifiers ?? []) {
    const code = id.type?.coding?.[0]?.code;
    if (code !== undefined && codes.includes(code) && id.value !== undefined) {
      out.push(id.value);
    }
  }
  return out;
}
