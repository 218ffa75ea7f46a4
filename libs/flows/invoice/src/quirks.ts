/**
 * Known deviations of openIMIS from FHIR R4 in an Invoice, repaired before validation so that real openIMIS
 * output is accepted while everything else is still checked strictly:
 * - `Invoice.status` is hard-coded `"active"` by the backend converter (not an R4 code, and not the real status,
 *   which only GraphQL tells): it becomes `issued`, the R4 code of an invoice that is due.
 * Nothing else is changed; the input object is not modified.
 *
 * @param resource - inbound JSON
 * @returns the same value, or a repaired copy
 */
export function repairOpenImisInvoice(resource: unknown): unknown {
  if (
    typeof resource !== 'object' ||
    resource === null ||
    (resource as { resourceType?: unknown }).resourceType !== 'Invoice'
  ) {
    return resource;
  }
  const inv = resource as Record<string, unknown>;
  if (typeof inv.status === 'string' && inv.status.toLowerCase() === 'active') {
    return { ...inv, status: 'issued' };
  }
  return resource;
}
