import { join } from 'node:path';
import { checkReadmeEnvSection } from '@payment-layer/openhim-mediator/testing';
import { PAYMENT_ENV_SCHEMA } from '../src/config';

it('README documents every environment variable of the payment mediator (npm run docs refreshes it)', () => {
  expect(() => {
    checkReadmeEnvSection(join(__dirname, '../../../README.md'), 'payment-mediator', PAYMENT_ENV_SCHEMA);
  }).not.toThrow();
});
