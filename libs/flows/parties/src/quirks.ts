/**
 * Known deviations of openIMIS from FHIR R4 that are repaired before validation, so real openIMIS output is
 * accepted while everything else is still checked strictly against the R4 schema:
 * - Group.type is sent as `"Person"` (R4 code: `person`);
 * - Group.actual comes as the string `"True"`/`"False"` in samples from openIMIS' own tests.
 * Nothing else is changed; the input object is not modified.
 *
 * @param resource - inbound JSON
 * @returns the same value, or a repaired copy
 */
export function repairOpenImisGroup(resource: unknown): unknown {
  if (
    typeof resource !== 'object' ||
    resource === null ||
    (resource as { resourceType?: unknown }).resourceType !== 'Group'
  ) {
    return resource;
  }
  const g = resource as Record<string, unknown>;
  const out: Record<string, unknown> = { ...g };
  if (
    typeof g.type === 'string' &&
    /^(person|animal|practitioner|device|medication|substance)$/i.test(g.type)
  ) {
    out.type = g.type.toLowerCase();
  }
  if (g.actual === 'True' || g.actual === 'true') {
    out.actual = true;
  } else if (g.actual === 'False' || g.actual === 'false') {
    out.actual = false;
  }
  return out;
}
