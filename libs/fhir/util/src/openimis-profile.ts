/**
 * Pure helpers for the openIMIS FHIR R4 profile: identifiers by type code, extensions by last path segment,
 * references, the valuated ClaimResponse total and Invoice/Bill kinds. They accept what the backend really emits
 * (double slashes, hyphen-form IG URLs, missing systems, upper-case UUIDs).
 * @see docs/contracts/openimis-fhir.md §5–§6
 */
import {
  CLAIM_RESPONSE_VALUATED_TOTAL_CODE,
  OPENIMIS_BILL_TYPE_CODES,
  OPENIMIS_BILL_TYPE_CODESYSTEM,
  OPENIMIS_BUSINESS_CODE_TYPES,
  OPENIMIS_IDENTIFIER_TYPE,
  OPENIMIS_IDENTIFIER_TYPE_SYSTEM,
  OPENIMIS_IG_BASE_URL,
  OPENIMIS_INVOICE_TYPE_CODES,
  OPENIMIS_INVOICE_TYPE_CODESYSTEM,
  type ClaimResponse,
  type Extension,
  type Identifier,
  type Invoice,
  type Reference,
} from '@payment-layer/fhir-types';
import { parseFhirMoney, type Money } from '@payment-layer/shared-money';

/** Anything that may carry `identifier[]` (a resource) or a plain identifier list. */
export type IdentifierSource =
  { readonly identifier?: readonly Identifier[] | Identifier } | readonly Identifier[];

/** Anything that may carry `extension[]`. */
export interface ExtensionHolder {
  readonly extension?: readonly Extension[];
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HYPHEN_PREFIX = /^(?:StructureDefinition|CodeSystem|ValueSet)-/;

/**
 * Whether a string is a UUID (any case, hyphenated).
 *
 * @param value - candidate
 * @returns true for `8-4-4-4-12` hex
 */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * The last path segment of an extension URL or coding system, as openIMIS URLs must be compared: the text
 * after the final `/` (trailing slashes ignored), without a leading `StructureDefinition-`/`CodeSystem-` prefix.
 * `…/StructureDefinition/patient-is-head`, `…//StructureDefinition/patient-is-head`,
 * `…/StructureDefinition-patient-is-head` and `patient-is-head` all give `patient-is-head`.
 *
 * @param url - extension URL or coding system
 * @returns the name to compare
 */
export function lastPathSegment(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  const segment = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return segment.replace(HYPHEN_PREFIX, '');
}

/**
 * Older spellings of openIMIS extension URLs, by the last path segment they end in, mapped to the current IG name.
 * Backends before the R4 IG emitted (and read) Confluence page URLs such as
 * `https://openimis.atlassian.net/wiki/spaces/OP/pages/960069653/isHead`; their last segments are generic words
 * (`group`), so they are only trusted on that host.
 *
 * @see docs/contracts/openimis-fhir.md §5.3
 */
export const OPENIMIS_LEGACY_EXTENSION_NAMES: Readonly<Record<string, string>> = {
  isHead: 'patient-is-head',
  group: 'patient-group-reference',
  locationCode: 'address-location-reference',
  educationCode: 'patient-education-level',
  professionCode: 'patient-profession',
  povertyStatus: 'group-poverty-status',
};

/** Older IG-hosted names (same host as today, other name), trusted on any host. */
const RENAMED_EXTENSIONS: Readonly<Record<string, string>> = {
  // The insuree converter of the same era wrote the ward as `StructureDefinition/municipality`.
  municipality: 'address-municipality',
};

const LEGACY_HOST = /^https?:\/\/openimis\.atlassian\.net\//i;

/**
 * The current IG name of an extension URL in any of the spellings openIMIS has used: the last path segment
 * ({@link lastPathSegment}), with the older Confluence page URLs and renamed extensions translated
 * ({@link OPENIMIS_LEGACY_EXTENSION_NAMES}).
 *
 * @param url - extension URL
 * @returns the name to compare, e.g. `patient-is-head` for `…/960069653/isHead`
 */
export function extensionName(url: string): string {
  const segment = lastPathSegment(url);
  if (LEGACY_HOST.test(url)) {
    return OPENIMIS_LEGACY_EXTENSION_NAMES[segment] ?? segment;
  }
  return RENAMED_EXTENSIONS[segment] ?? segment;
}

/**
 * The canonical URL to emit for an openIMIS extension (single slash, `StructureDefinition/`).
 *
 * @param name - last path segment, e.g. `patient-is-head`
 * @returns `https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/<name>`
 */
export function openImisExtensionUrl(name: string): string {
  return `${OPENIMIS_IG_BASE_URL}StructureDefinition/${name}`;
}

/**
 * The openIMIS type code of an identifier (`UUID`, `Code`, `MR`, …): the first code of `type.coding`.
 *
 * @param identifier - a FHIR Identifier
 * @returns the code, or undefined when the identifier is untyped
 */
export function identifierTypeCode(identifier: Identifier): string | undefined {
  for (const coding of identifier.type?.coding ?? []) {
    if (typeof coding.code === 'string' && coding.code !== '') {
      return coding.code;
    }
  }
  return undefined;
}

/** Whether two identifier type codes are the same: openIMIS reads them case-insensitively (`code` = `Code`). */
function sameTypeCode(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

function identifiersOf(source: IdentifierSource | undefined): readonly Identifier[] {
  if (source === undefined || source === null) {
    return [];
  }
  if (Array.isArray(source)) {
    return source as readonly Identifier[];
  }
  const ids = (source as { readonly identifier?: readonly Identifier[] | Identifier }).identifier;
  if (ids === undefined) {
    return [];
  }
  // Reference.identifier is a single Identifier, resources have a list.
  return Array.isArray(ids) ? (ids as readonly Identifier[]) : [ids as Identifier];
}

/**
 * The first identifier whose type code is one of `types` (in the order of `types`).
 *
 * @param source - a resource, a Reference, or an identifier list
 * @param types - one type code or several in order of preference, e.g. `['Code', 'MR']`
 * @returns the identifier, or undefined
 */
export function findIdentifier(
  source: IdentifierSource | undefined,
  types: string | readonly string[],
): Identifier | undefined {
  const wanted = typeof types === 'string' ? [types] : types;
  const ids = identifiersOf(source);
  for (const type of wanted) {
    const found = ids.find(
      (id) => sameTypeCode(identifierTypeCode(id), type) && typeof id.value === 'string' && id.value !== '',
    );
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

/**
 * The value of the first identifier of one of the given types.
 *
 * @param source - a resource, a Reference, or an identifier list
 * @param types - type code(s) in order of preference
 * @returns the value, or undefined
 */
export function getIdentifierValue(
  source: IdentifierSource | undefined,
  types: string | readonly string[],
): string | undefined {
  return findIdentifier(source, types)?.value;
}

/**
 * The business code of an openIMIS resource (Patient CHF id, Group head CHF id, Invoice code, claim code, HF code):
 * the first identifier typed `Code`, `MR`, `LC` or `SB`, in that order.
 *
 * @param source - a resource, a Reference, or an identifier list
 * @returns the code, or undefined
 */
export function getBusinessCode(source: IdentifierSource | undefined): string | undefined {
  return getIdentifierValue(source, OPENIMIS_BUSINESS_CODE_TYPES);
}

/**
 * The openIMIS UUID of a resource: its `UUID` identifier, otherwise its `id` when that is a UUID. Returned in
 * lower case, because openIMIS emits both cases (MSSQL upper, PostgreSQL lower) for the same entity and UUIDs are
 * case-insensitive; our keys (Fineract externalId, staging links) must not depend on the database behind openIMIS.
 *
 * @param resource - any openIMIS resource (or anything with `id`/`identifier`)
 * @returns the lower-case UUID, or undefined
 */
export function getOpenImisUuid(
  resource: { readonly id?: string; readonly identifier?: readonly Identifier[] } | undefined,
): string | undefined {
  if (resource === undefined) {
    return undefined;
  }
  const fromIdentifier = getIdentifierValue(resource, OPENIMIS_IDENTIFIER_TYPE.UUID);
  if (isUuid(fromIdentifier)) {
    return fromIdentifier.toLowerCase();
  }
  return isUuid(resource.id) ? resource.id.toLowerCase() : undefined;
}

/**
 * All extensions of an element whose URL has the given last path segment (older spellings included, see
 * {@link extensionName}).
 *
 * @param holder - a resource or element with `extension[]`
 * @param name - last path segment, e.g. `patient-is-head`
 * @returns matching extensions, in order
 */
export function getExtensions(holder: ExtensionHolder | undefined, name: string): Extension[] {
  const out: Extension[] = [];
  for (const ext of holder?.extension ?? []) {
    if (typeof ext.url === 'string' && extensionName(ext.url) === name) {
      out.push(ext);
    }
  }
  return out;
}

/**
 * The first extension of an element whose URL has the given last path segment.
 *
 * @param holder - a resource or element with `extension[]`
 * @param name - last path segment, e.g. `patient-group-reference`
 * @returns the extension, or undefined
 */
export function findExtension(holder: ExtensionHolder | undefined, name: string): Extension | undefined {
  return getExtensions(holder, name)[0];
}

/** A FHIR reference, taken apart. */
export interface ParsedReference {
  /** Resource type from the reference path, or `Reference.type`. */
  readonly resourceType?: string;
  /** The part of `reference` after the last `/` (openIMIS' own rule), without `_history`. */
  readonly id?: string;
  /** Version from a `…/_history/<v>` suffix. */
  readonly version?: string;
  /** Base URL of an absolute reference, e.g. `https://host/api/api_fhir_r4/`. */
  readonly baseUrl?: string;
  /** Identifier type code of a logical reference (`Reference.identifier`). */
  readonly identifierType?: string;
  /** Identifier value of a logical reference. */
  readonly identifierValue?: string;
  /** `Reference.display`. */
  readonly display?: string;
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;

/**
 * Takes a FHIR reference apart: relative (`Patient/<uuid>`), absolute (`https://host/…/Patient/<uuid>/`),
 * versioned (`…/_history/2`), bare ids (`openIMIS`), and references by identifier
 * (`{type: "Patient", identifier: {type: Code, value: <chfid>}}`).
 *
 * @param ref - a Reference or a reference string
 * @returns the parts found (empty object for an empty reference)
 */
export function parseReference(ref: Reference | string | undefined): ParsedReference {
  const reference = typeof ref === 'string' ? ref : ref?.reference;
  const result: {
    resourceType?: string;
    id?: string;
    version?: string;
    baseUrl?: string;
    identifierType?: string;
    identifierValue?: string;
    display?: string;
  } = {};
  if (typeof ref === 'object') {
    if (ref.type !== undefined) {
      result.resourceType = ref.type;
    }
    if (ref.identifier !== undefined) {
      const type = identifierTypeCode(ref.identifier);
      if (type !== undefined) {
        result.identifierType = type;
      }
      if (ref.identifier.value !== undefined) {
        result.identifierValue = ref.identifier.value;
      }
    }
    if (ref.display !== undefined) {
      result.display = ref.display;
    }
  }
  if (typeof reference === 'string' && reference.startsWith('urn:uuid:')) {
    // Bundle-internal reference to an entry's fullUrl.
    result.id = reference.slice('urn:uuid:'.length);
  } else if (typeof reference === 'string' && reference.trim() !== '') {
    // openIMIS follows Django routes with a trailing slash; the id never contains one.
    const segments = reference.trim().replace(/\/+$/, '').split('/');
    const history = segments.lastIndexOf('_history');
    if (history > 0 && history === segments.length - 2) {
      result.version = segments[history + 1] ?? '';
      segments.length = history;
    }
    result.id = segments[segments.length - 1] ?? '';
    const type = segments[segments.length - 2];
    if (type !== undefined && RESOURCE_TYPE.test(type)) {
      result.resourceType = type;
      if (segments.length > 2) {
        result.baseUrl = `${segments.slice(0, -2).join('/')}/`;
      }
    }
  }
  return result;
}

/**
 * The id a reference points to (the part after the last `/`, openIMIS' rule), or, for a logical reference by
 * `UUID` identifier, that UUID.
 *
 * @param ref - a Reference or a reference string
 * @returns the id, or undefined
 */
export function referenceId(ref: Reference | string | undefined): string | undefined {
  const parsed = parseReference(ref);
  if (parsed.id !== undefined && parsed.id !== '') {
    return parsed.id;
  }
  return sameTypeCode(parsed.identifierType, OPENIMIS_IDENTIFIER_TYPE.UUID)
    ? parsed.identifierValue
    : undefined;
}

/**
 * How an openIMIS deployment identifies resources in what it serves (module setting `default_response_identifier`):
 * `uuid` (the default: `id` and references are UUIDs) or `code` (`id` and references are the business code — CHF id
 * for a Patient, the head's CHF id for a Group, the invoice code for an Invoice).
 */
export type OpenImisIdentityMode = 'uuid' | 'code';

/** What a resource or a reference tells about the openIMIS entity it is. */
export interface OpenImisIdentity {
  /** The entity UUID, lower case, when the payload carries it. */
  readonly uuid?: string;
  /** The business code, when the payload carries it. */
  readonly code?: string;
  /** The identity mode the `id` (or the reference) is given in. */
  readonly mode: OpenImisIdentityMode;
}

/**
 * The identity of an openIMIS resource in either identity mode: its UUID (the `UUID` identifier, else a UUID `id`)
 * and its business code (the `Code`/`MR`/`LC`/`SB` identifier, else a non-UUID `id`). In code mode openIMIS still
 * lists the UUID identifier, so the UUID is usually known whichever mode the deployment serves.
 *
 * @param resource - any openIMIS resource
 * @returns uuid and code as far as the payload tells, and the mode of its `id`
 */
export function getOpenImisIdentity(
  resource: { readonly id?: string; readonly identifier?: readonly Identifier[] } | undefined,
): OpenImisIdentity {
  const uuid = getOpenImisUuid(resource);
  const id = typeof resource?.id === 'string' && resource.id !== '' ? resource.id : undefined;
  const code = getBusinessCode(resource) ?? (id !== undefined && !isUuid(id) ? id : undefined);
  const mode: OpenImisIdentityMode =
    id !== undefined
      ? isUuid(id)
        ? 'uuid'
        : 'code'
      : uuid === undefined && code !== undefined
        ? 'code'
        : 'uuid';
  return { ...(uuid !== undefined ? { uuid } : {}), ...(code !== undefined ? { code } : {}), mode };
}

/** {@link OpenImisIdentity} of a reference, with the type it points to. */
export interface ReferenceIdentity extends OpenImisIdentity {
  /** Resource type from the reference path, or `Reference.type`. */
  readonly resourceType?: string;
}

/**
 * The identity a reference points to, in either identity mode: `Patient/<uuid>`, `Patient/<chfid>`,
 * `Group/<head chfid>`, or a logical reference by identifier (`{type, identifier: {type: Code|UUID, value}}`).
 * The id after the last `/` is a UUID when it looks like one and a business code otherwise (openIMIS resolves
 * it the same way: by the identifier type when given, else as a UUID); the reference identifier adds what the
 * path does not say.
 *
 * @param ref - a Reference or a reference string
 * @returns resource type, uuid and/or code, and the mode the reference is given in
 */
export function getReferenceIdentity(ref: Reference | string | undefined): ReferenceIdentity {
  const parsed = parseReference(ref);
  let uuid: string | undefined;
  let code: string | undefined;
  const id = parsed.id !== undefined && parsed.id !== '' ? parsed.id : undefined;
  if (id !== undefined) {
    if (isUuid(id)) {
      uuid = id.toLowerCase();
    } else {
      code = id;
    }
  }
  const value = parsed.identifierValue;
  if (value !== undefined && value !== '') {
    const type = parsed.identifierType;
    const typedCode = type !== undefined && OPENIMIS_BUSINESS_CODE_TYPES.some((t) => sameTypeCode(type, t));
    if (!typedCode && isUuid(value)) {
      uuid ??= value.toLowerCase();
    } else if (typedCode || type === undefined) {
      code ??= value;
    }
  }
  const mode: OpenImisIdentityMode =
    id !== undefined ? (uuid === id.toLowerCase() ? 'uuid' : 'code') : uuid !== undefined ? 'uuid' : 'code';
  return {
    ...(parsed.resourceType !== undefined ? { resourceType: parsed.resourceType } : {}),
    ...(uuid !== undefined ? { uuid } : {}),
    ...(code !== undefined ? { code } : {}),
    mode,
  };
}

/**
 * A copy of a resource that carries its openIMIS UUID as a `UUID` identifier (the resource itself when it does
 * already), for a resource that arrived by code only and whose UUID was looked up: the mapping documents read the
 * UUID from `identifier(UUID)` whichever mode the resource came in.
 *
 * @param resource - an openIMIS resource
 * @param uuid - its UUID
 * @returns the resource with the UUID identifier
 */
export function withOpenImisUuid<T extends { readonly identifier?: readonly Identifier[] }>(
  resource: T,
  uuid: string,
): T {
  if (getIdentifierValue(resource, OPENIMIS_IDENTIFIER_TYPE.UUID)?.toLowerCase() === uuid.toLowerCase()) {
    return resource;
  }
  const typed: Identifier = {
    type: { coding: [{ system: OPENIMIS_IDENTIFIER_TYPE_SYSTEM, code: OPENIMIS_IDENTIFIER_TYPE.UUID }] },
    value: uuid.toLowerCase(),
  };
  return { ...resource, identifier: [typed, ...(resource.identifier ?? [])] };
}

/**
 * The amount payable to the health facility for a ClaimResponse: the `total` whose category code is `16`
 * (valuated). A claim without it is not payable.
 *
 * @param claimResponse - an openIMIS ClaimResponse
 * @returns the valuated total as {@link Money}, or undefined when the claim is not valuated
 * @throws ValidationError when the total exists but its amount or currency is invalid
 */
export function getValuatedTotal(claimResponse: Pick<ClaimResponse, 'total'>): Money | undefined {
  const totals = claimResponse.total ?? [];
  for (let i = 0; i < totals.length; i++) {
    const total = totals[i];
    const codes = total?.category.coding ?? [];
    if (codes.some((c) => c.code === CLAIM_RESPONSE_VALUATED_TOTAL_CODE)) {
      return parseFhirMoney(total?.amount, `ClaimResponse.total[${i}].amount`);
    }
  }
  return undefined;
}

/** What an openIMIS FHIR Invoice is: an invoice proper (contribution, contract) or a bill (claim batch, …). */
export interface InvoiceKind {
  /** `invoice` (openIMIS `invoice.Invoice`) or `bill` (`invoice.Bill`); also the PaymentNotice `request.type`. */
  readonly category: 'invoice' | 'bill';
  /** The type code, e.g. `contribution`, `claim-batch`. */
  readonly code: string;
}

/**
 * Tells invoices from bills, from `Invoice.type.coding`: the CodeSystem's last segment (`invoice-type` or
 * `bill-type`) decides; without a usable system, the code does (`policy` alone is ambiguous and read as a bill
 * only under `bill-type`).
 *
 * @param invoice - an openIMIS Invoice
 * @returns the kind, or undefined when the type is missing or unknown
 */
export function getInvoiceKind(invoice: Pick<Invoice, 'type'>): InvoiceKind | undefined {
  for (const coding of invoice.type?.coding ?? []) {
    const code = coding.code;
    if (typeof code !== 'string' || code === '') {
      continue;
    }
    const system = typeof coding.system === 'string' ? lastPathSegment(coding.system) : undefined;
    if (system === OPENIMIS_INVOICE_TYPE_CODESYSTEM) {
      return { category: 'invoice', code };
    }
    if (system === OPENIMIS_BILL_TYPE_CODESYSTEM) {
      return { category: 'bill', code };
    }
    if ((OPENIMIS_INVOICE_TYPE_CODES as readonly string[]).includes(code)) {
      return { category: 'invoice', code };
    }
    if (code !== 'policy' && (OPENIMIS_BILL_TYPE_CODES as readonly string[]).includes(code)) {
      return { category: 'bill', code };
    }
  }
  return undefined;
}

/**
 * Whether an Invoice is a contribution invoice (the payable of an insuree family).
 *
 * @param invoice - an openIMIS Invoice
 * @returns true for `invoice-type#contribution`
 */
export function isContributionInvoice(invoice: Pick<Invoice, 'type'>): boolean {
  const kind = getInvoiceKind(invoice);
  return kind?.category === 'invoice' && kind.code === 'contribution';
}

/**
 * Checks the amounts of an Invoice's line items (`lineItem[].priceComponent[].amount`), which the schema only
 * types as decimals: each must be an exact amount (finite, no more decimals than the currency has) greater than
 * zero, in the invoice's currency. openIMIS writes one `base` component per line with the line's positive total;
 * a zero, negative or overflowing line is a corrupt invoice, not one to charge.
 *
 * @param invoice - a schema-valid Invoice
 * @param currency - the currency of the invoice total (ISO 4217)
 * @throws ValidationError naming the element, e.g. `Invoice.lineItem[0].priceComponent[1].amount.value`
 */
export function assertInvoiceLineItems(invoice: Pick<Invoice, 'lineItem'>, currency: string): void {
  (invoice.lineItem ?? []).forEach((line, i) => {
    (line.priceComponent ?? []).forEach((component, j) => {
      if (component.amount !== undefined) {
        parseFhirMoney(component.amount, `Invoice.lineItem[${i}].priceComponent[${j}].amount`, {
          currency,
          positive: true,
        });
      }
    });
  });
}
