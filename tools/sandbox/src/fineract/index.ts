// Fineract simulator: a strict in-memory stand-in for Apache Fineract's REST API.
export {
  FINERACT_PARAMETER_WHITELISTS,
  FINERACT_REQUIRED_PARAMETERS,
  type FineractOperation,
} from './whitelists';
