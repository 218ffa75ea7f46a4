import { join } from 'node:path';
import { checkReadmeEnvSection } from '@payment-layer/openhim-mediator/testing';
import { INVOICE_ENV_SCHEMA } from '../src/config';

it('README documents every environment variable of the invoice mediator (npm run docs refreshes it)', () => {
  expect(() => {
    checkReadmeEnvSection(join(__dirname, '../../../README.md'), 'invoice-mediator', INVOICE_ENV_SCHEMA);
  }).not.toThrow();
});
