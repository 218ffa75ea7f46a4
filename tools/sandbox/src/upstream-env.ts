import type { FineractSimulator } from './fineract';
import type { OpenImisSimulator } from './openimis';

/**
 * The upstream environment of a mediator pointed at the simulators (openIMIS FHIR + GraphQL, Fineract tenant and
 * credentials): what tests and benchmarks pass to a mediator they start.
 *
 * @param openimis - the openIMIS simulator
 * @param fineract - the Fineract simulator
 * @returns the `OPENIMIS_*` and `FINERACT_*` variables
 */
export function simulatorUpstreamEnv(
  openimis: OpenImisSimulator,
  fineract: FineractSimulator,
): Record<string, string> {
  return {
    OPENIMIS_URL: openimis.fhirBaseUrl,
    OPENIMIS_GRAPHQL_URL: openimis.graphqlUrl,
    OPENIMIS_USERNAME: openimis.credentials.username,
    OPENIMIS_PASSWORD: openimis.credentials.password,
    FINERACT_URL: fineract.baseUrl,
    FINERACT_TENANT_ID: fineract.tenantId,
    FINERACT_USERNAME: fineract.username,
    FINERACT_PASSWORD: fineract.password,
  };
}
