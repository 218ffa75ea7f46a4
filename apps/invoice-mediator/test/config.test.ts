import { ConfigError } from '@payment-layer/shared-errors';
import definition from '../mediator.json';
import {
  checkInvoiceConfig,
  invoiceFlowSettings,
  loadInvoiceEnv,
  type InvoiceRemoteConfig,
} from '../src/config';

const ENV = {
  MEDIATOR_CLIENT_PASSWORD: 'route-password-123',
  OPENIMIS_URL: 'https://openimis.example.org/api/api_fhir_r4/',
  OPENIMIS_USERNAME: 'Admin',
  OPENIMIS_PASSWORD: 'secret',
  FINERACT_URL: 'https://fineract.example.org/fineract-provider/api/v1',
  FINERACT_USERNAME: 'mifos',
  FINERACT_PASSWORD: 'password',
};

describe('invoice mediator config', () => {
  it('has the documented defaults', () => {
    const env = loadInvoiceEnv(ENV);
    expect(env.PORT).toBe(3002);
    expect(env.STAGING_DB_PATH).toBe('data/payment-layer.sqlite');
  });

  it('fails at boot naming a missing or invalid variable', () => {
    const { FINERACT_URL: _u, ...missing } = ENV;
    expect(() => loadInvoiceEnv(missing)).toThrow(/FINERACT_URL/);
    expect(() => loadInvoiceEnv({ ...ENV, OPENIMIS_URL: 'ftp://x' })).toThrow(/OPENIMIS_URL/);
  });

  it('accepts the default operator config of mediator.json and turns it into flow settings', () => {
    const config = definition.config as InvoiceRemoteConfig;
    expect(() => {
      checkInvoiceConfig(config);
    }).not.toThrow();
    expect(invoiceFlowSettings(config, new Date('2026-05-17T10:00:00Z'))).toEqual({
      chargeId: 1,
      currency: 'USD',
      fineractOfficeId: 1,
      billsHandledBy: 'claim',
      checkOpenImisStatus: true,
      syncPageSize: 100,
      today: '2026-05-17',
    });
  });

  it.each([
    [{ currency: 'dollars' }, /currency/],
    [{ chargeId: 0 }, /chargeId/],
    [{ syncPageSize: 5000 }, /syncPageSize/],
    [{ billsHandledBy: 'nobody' }, /billsHandledBy/],
  ])('refuses %j', (change, message) => {
    const config = { ...(definition.config as InvoiceRemoteConfig), ...change } as InvoiceRemoteConfig;
    expect(() => {
      checkInvoiceConfig(config);
    }).toThrow(ConfigError);
    expect(() => {
      checkInvoiceConfig(config);
    }).toThrow(message);
  });
});
