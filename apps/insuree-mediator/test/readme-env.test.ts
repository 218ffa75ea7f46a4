import { join } from 'node:path';
import { checkReadmeEnvSection } from '@payment-layer/openhim-mediator/testing';
import { INSUREE_ENV_SCHEMA } from '../src/config';

it('README documents every environment variable of the insuree mediator (npm run docs refreshes it)', () => {
  expect(() => {
    checkReadmeEnvSection(join(__dirname, '../../../README.md'), 'insuree-mediator', INSUREE_ENV_SCHEMA);
  }).not.toThrow();
});
