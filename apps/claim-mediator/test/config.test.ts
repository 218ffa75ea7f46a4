import { ConfigError } from '@payment-layer/shared-errors';
import { checkClaimConfig, loadClaimEnv, payoutRouting, type ClaimRemoteConfig } from '../src/config';
import definition from '../mediator.json';

const ENV = {
  MEDIATOR_CLIENT_PASSWORD: 'route-password-123',
  OPENIMIS_URL: 'http://openimis.test/api/api_fhir_r4/',
  OPENIMIS_USERNAME: 'admin',
  OPENIMIS_PASSWORD: 'secret',
  FINERACT_URL: 'http://fineract.test/fineract-provider/api/v1',
  FINERACT_USERNAME: 'mifos',
  FINERACT_PASSWORD: 'password',
};

describe('claim mediator config', () => {
  it('defaults to the Fineract rail with no overrides', () => {
    const env = loadClaimEnv(ENV);
    expect(env).toMatchObject({ PAYOUT_RAIL: 'fineract', PAYOUT_RAIL_BY_FACILITY: '{}', PORT: 3004 });
  });

  it('takes per-facility wallets for the Mojaloop rail', () => {
    const env = loadClaimEnv({
      ...ENV,
      PAYOUT_WALLET_BY_FACILITY: '{"HF1":{"idType":"MSISDN","idValue":"255712345678"}}',
    });
    expect(payoutRouting(env).walletByFacility).toEqual({
      HF1: { idType: 'MSISDN', idValue: '255712345678' },
    });
  });

  it('takes a per-facility rail map', () => {
    expect(() =>
      loadClaimEnv({ ...ENV, PAYOUT_RAIL_BY_FACILITY: '{"HF1":"mojaloop","HF2":"fineract"}' }),
    ).not.toThrow();
  });

  it.each([
    ['PAYOUT_RAIL', 'cash', /PAYOUT_RAIL/],
    ['PAYOUT_RAIL_BY_FACILITY', 'HF1=mojaloop', /PAYOUT_RAIL_BY_FACILITY/],
    ['PAYOUT_RAIL_BY_FACILITY', '["mojaloop"]', /PAYOUT_RAIL_BY_FACILITY/],
    ['PAYOUT_RAIL_BY_FACILITY', '{"HF1":"paypal"}', /HF1/],
    ['PAYOUT_CONCURRENCY', '0', /PAYOUT_CONCURRENCY/],
    ['PAYOUT_WALLET_BY_FACILITY', '{"HF1":{"idType":"PHONE","idValue":"1"}}', /HF1/],
    ['PAYOUT_WALLET_BY_FACILITY', '{"HF1":{"idType":"MSISDN"}}', /idValue/],
  ])('refuses %s=%s at boot', (name, value, message) => {
    expect(() => loadClaimEnv({ ...ENV, [name]: value })).toThrow(message);
  });

  it('refuses MOJALOOP_SDK_URL without the payout float at boot, naming the variable', () => {
    const mojaloop = {
      ...ENV,
      MOJALOOP_SDK_URL: 'http://sdk.test:4001',
      MOJALOOP_PAYER_ID_VALUE: 'OPENIMIS',
      MOJALOOP_PAYER_PAYMENT_TYPE_ID: '1',
    };
    expect(() => loadClaimEnv(mojaloop)).toThrow(/MOJALOOP_PAYER_FLOAT_SAVINGS_ACCOUNT_ID/);
    expect(() => loadClaimEnv({ ...mojaloop, MOJALOOP_PAYER_FLOAT_SAVINGS_ACCOUNT_ID: '7' })).not.toThrow();
  });

  it('accepts the default operator config and refuses a bad one', () => {
    const config = definition.config as ClaimRemoteConfig;
    expect(() => {
      checkClaimConfig(config);
    }).not.toThrow();
    expect(() => {
      checkClaimConfig({ ...config, payoutBasis: 'both' as 'claim' });
    }).toThrow(ConfigError);
    expect(() => {
      checkClaimConfig({ ...config, currency: '$' });
    }).toThrow(/ISO 4217/);
  });
});
