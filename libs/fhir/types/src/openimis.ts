/**
 * Constants of the openIMIS FHIR R4 profile, as the backend emits them (which is not always what the IG says).
 * @see docs/contracts/openimis-fhir.md §5 (identifiers, extensions) and §6 (resource shapes)
 */

/** Base URL of the openIMIS R4 Implementation Guide; every StructureDefinition/CodeSystem URL starts with it. */
export const OPENIMIS_IG_BASE_URL = 'https://openimis.github.io/openimis_fhir_r4_ig/';

/** `Identifier.type.coding[0].system` of openIMIS identifiers (often absent in older IG examples). */
export const OPENIMIS_IDENTIFIER_TYPE_SYSTEM = `${OPENIMIS_IG_BASE_URL}CodeSystem/openimis-identifiers`;

/**
 * `Identifier.type.coding[0].code` values emitted by openIMIS. Identifiers carry no `Identifier.system`: the
 * kind of identifier is only this code.
 */
export const OPENIMIS_IDENTIFIER_TYPE = {
  /** Entity UUID; the resource `id` by default. */
  UUID: 'UUID',
  /** Business code: Patient CHF id, Group head CHF id, Invoice code, HF/claim code in the IG. */
  CODE: 'Code',
  /** Claim code under the shipped default module config. */
  MR: 'MR',
  /** Health-facility code under the shipped default module config. */
  LC: 'LC',
  /** Numeric database id (only with the DB-id reference type). */
  ACSN: 'ACSN',
  /** Passport / national id of a Patient. */
  PPN: 'PPN',
  /** Legacy CHF id code, present in config, not emitted by current converters. */
  SB: 'SB',
} as const;

/** An openIMIS identifier type code. */
export type OpenImisIdentifierType = (typeof OPENIMIS_IDENTIFIER_TYPE)[keyof typeof OPENIMIS_IDENTIFIER_TYPE];

/**
 * Type codes that all mean "the business code", in order of preference: whether claim and HF codes come as
 * `MR`/`LC` or `Code` depends on the deployment's module config.
 */
export const OPENIMIS_BUSINESS_CODE_TYPES = ['Code', 'MR', 'LC', 'SB'] as const;

/** Last path segment of the Invoice type CodeSystem (invoices proper). */
export const OPENIMIS_INVOICE_TYPE_CODESYSTEM = 'invoice-type';

/** Last path segment of the Bill type CodeSystem (bills, also served as FHIR Invoice). */
export const OPENIMIS_BILL_TYPE_CODESYSTEM = 'bill-type';

/** `Invoice.type` codes of invoices (`invoice-type`). */
export const OPENIMIS_INVOICE_TYPE_CODES = ['contribution', 'contract'] as const;

/** `Invoice.type` codes of bills (`bill-type`). */
export const OPENIMIS_BILL_TYPE_CODES = ['claim-batch', 'commission', 'fees', 'policy'] as const;

/** An invoice type code. */
export type OpenImisInvoiceTypeCode = (typeof OPENIMIS_INVOICE_TYPE_CODES)[number];

/** A bill type code. */
export type OpenImisBillTypeCode = (typeof OPENIMIS_BILL_TYPE_CODES)[number];

/** openIMIS claim status codes, as used in ClaimResponse adjudication and total categories. */
export const OPENIMIS_CLAIM_STATUS = {
  REJECTED: '1',
  ENTERED: '2',
  CHECKED: '4',
  PROCESSED: '8',
  VALUATED: '16',
} as const;

/** `ClaimResponse.total[].category.coding[0].code` of the amount payable to the health facility. */
export const CLAIM_RESPONSE_VALUATED_TOTAL_CODE = OPENIMIS_CLAIM_STATUS.VALUATED;

/** Last path segments of the openIMIS extensions the mediators read (match by last segment, never whole URL). */
export const OPENIMIS_EXTENSION = {
  PATIENT_IS_HEAD: 'patient-is-head',
  PATIENT_GROUP_REFERENCE: 'patient-group-reference',
  PATIENT_CARD_ISSUED: 'patient-card-issued',
  PATIENT_IDENTIFICATION: 'patient-identification',
  PATIENT_PROFESSION: 'patient-profession',
  PATIENT_EDUCATION_LEVEL: 'patient-education-level',
  ADDRESS_MUNICIPALITY: 'address-municipality',
  ADDRESS_LOCATION_REFERENCE: 'address-location-reference',
  GROUP_ADDRESS: 'group-address',
  GROUP_POVERTY_STATUS: 'group-poverty-status',
  GROUP_TYPE: 'group-type',
  GROUP_CONFIRMATION: 'group-confirmation',
  ORGANIZATION_LEGAL_FORM: 'organization-legal-form',
  ORGANIZATION_HF_LEVEL: 'organization-hf-level',
  ORGANIZATION_HF_CARE_TYPE: 'organization-hf-care-type',
  UNIT_PRICE: 'unit-price',
  CLAIM_ITEM_REFERENCE: 'claim-item-reference',
} as const;

/** `Organization.type[0].coding[0].code` values: health facility, policy holder, insurer. */
export const OPENIMIS_ORGANIZATION_TYPE = {
  HEALTH_FACILITY: 'prov',
  POLICY_HOLDER: 'bus',
  INSURER: 'ins',
} as const;

/** The insurer Organization id openIMIS uses by default (`Organization/openIMIS-Implementation`). */
export const OPENIMIS_DEFAULT_INSURER_ID = 'openIMIS-Implementation';
