/**
 * The code identity mode of openIMIS (`api_fhir_r4` module setting `default_response_identifier`): the converters
 * are given `reference_type = code_reference`, so `build_fhir_pk` puts the business code in `id` — CHF id for a
 * Patient, the head's CHF id for a Group, the code for an Invoice/Organization — and `build_fhir_resource_reference`
 * makes `<Type>/<code>` references with a `Code` identifier. The resource keeps listing its `UUID` identifier, and
 * Group members stay `Patient/<uuid>` (`_create_group_member` ignores the reference type).
 * Source: openimis-be-api_fhir_r4_py `converters/referenceConverterMixin.py`, `patientConverter.py`,
 * `groupConverter.py`, `invoiceConverter.py`, `baseFHIRConverter.py`.
 */
import type { Bundle, Extension, FhirResource, Invoice, Patient, Reference } from 'fhir/r4';
import { identifier, identifierValues } from './fhir-shapes';
import type { OpenImisStore } from './store';

/** How the simulator serves ids and references: `uuid` (the openIMIS default) or `code`. */
export type IdentityMode = 'uuid' | 'code';

const CODE_TYPES = ['Code', 'MR', 'LC'] as const;

function codeOf(resource: FhirResource | undefined): string | undefined {
  const ids = (resource as { identifier?: Parameters<typeof identifierValues>[0] } | undefined)?.identifier;
  return identifierValues(ids, CODE_TYPES)[0];
}

/** A reference by code as `build_fhir_resource_reference(..., reference_type=code_reference)` builds it. */
function codeReference(store: OpenImisStore, ref: Reference): Reference {
  const [type, id] = (ref.reference ?? '').split('/').slice(-2);
  if (type === undefined || id === undefined) {
    return ref;
  }
  if (type !== 'Patient' && type !== 'Group' && type !== 'Organization' && type !== 'Invoice') {
    return ref;
  }
  const code = codeOf(store.get(type, id));
  if (code === undefined) {
    return ref;
  }
  const out: Reference = { reference: `${type}/${code}`, type, identifier: identifier('Code', code) };
  if (ref.display !== undefined) {
    out.display = ref.display;
  }
  return out;
}

function withCodeReferences(store: OpenImisStore, extensions: Extension[]): Extension[] {
  return extensions.map((ext) =>
    ext.valueReference === undefined
      ? ext
      : { ...ext, valueReference: codeReference(store, ext.valueReference) },
  );
}

/**
 * A stored resource as openIMIS serves it in the given identity mode (the stored form is the UUID mode).
 *
 * @param store - simulator store (to find the codes of referenced entities)
 * @param resource - stored resource
 * @param mode - identity mode
 * @returns the resource to serve (a copy in code mode, the same object in UUID mode)
 */
export function presentResource<T extends FhirResource>(
  store: OpenImisStore,
  resource: T,
  mode: IdentityMode,
): T {
  const code = codeOf(resource);
  if (mode === 'uuid' || code === undefined) {
    return resource;
  }
  if (resource.resourceType === 'Patient') {
    const p: Patient = resource;
    const out: Patient = { ...p, id: code };
    if (p.extension !== undefined) {
      out.extension = withCodeReferences(store, p.extension);
    }
    if (p.generalPractitioner !== undefined) {
      out.generalPractitioner = p.generalPractitioner.map((r) => codeReference(store, r));
    }
    return out as T;
  }
  if (resource.resourceType === 'Invoice') {
    const inv: Invoice = resource;
    const out: Invoice = { ...inv, id: code };
    if (inv.recipient !== undefined) {
      out.recipient = codeReference(store, inv.recipient);
    }
    return out as T;
  }
  // Group: members stay by UUID (the converter builds them without the reference type).
  if (resource.resourceType === 'Group' || resource.resourceType === 'Organization') {
    return { ...resource, id: code };
  }
  return resource;
}

/**
 * A searchset Bundle as openIMIS serves it in the given identity mode: every entry presented, `fullUrl` ending
 * in the served id.
 *
 * @param store - simulator store
 * @param bundle - the UUID-mode Bundle
 * @param mode - identity mode
 * @returns the Bundle to serve
 */
export function presentBundle(store: OpenImisStore, bundle: Bundle, mode: IdentityMode): Bundle {
  if (mode === 'uuid') {
    return bundle;
  }
  return {
    ...bundle,
    entry: (bundle.entry ?? []).map((entry) => {
      if (entry.resource === undefined) {
        return entry;
      }
      const resource = presentResource(store, entry.resource as FhirResource, mode);
      const oldId = entry.resource.id ?? '';
      const fullUrl =
        entry.fullUrl !== undefined && entry.fullUrl.endsWith(oldId)
          ? `${entry.fullUrl.slice(0, entry.fullUrl.length - oldId.length)}${resource.id ?? ''}`
          : entry.fullUrl;
      return { ...entry, resource, ...(fullUrl !== undefined ? { fullUrl } : {}) };
    }),
  };
}
