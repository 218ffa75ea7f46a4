import { join } from 'node:path';
import { checkReadmeEnvSection } from '@payment-layer/openhim-mediator/testing';
import { CLAIM_ENV_SCHEMA } from '../src/config';

it('README documents every environment variable of the claim mediator (npm run docs refreshes it)', () => {
  expect(() => {
    checkReadmeEnvSection(join(__dirname, '../../../README.md'), 'claim-mediator', CLAIM_ENV_SCHEMA);
  }).not.toThrow();
});
