import { ConfigError } from '@payment-layer/shared-errors';
import { validateMediatorDefinition, type MediatorDefinition } from '@payment-layer/openhim-mediator';
import definition from '../mediator.json';
import { checkPaymentConfig, flowSettings, loadPaymentEnv, type PaymentRemoteConfig } from '../src/config';

const ENV = {
  MEDIATOR_CLIENT_PASSWORD: 'route-password-123',
  OPENIMIS_URL: 'https://openimis.example.org/api/api_fhir_r4/',
  OPENIMIS_USERNAME: 'Admin',
  OPENIMIS_PASSWORD: 'secret',
  FINERACT_URL: 'https://fineract.example.org/fineract-provider/api/v1',
  FINERACT_USERNAME: 'mifos',
  FINERACT_PASSWORD: 'password',
  FINERACT_HOOK_SECRET: 'a-long-enough-hook-secret',
};

describe('payment mediator config', () => {
  it('has the documented defaults', () => {
    const env = loadPaymentEnv(ENV);
    expect(env.PORT).toBe(3003);
    expect(env.STAGING_DB_PATH).toBe('data/payment-layer.sqlite');
    expect(env.OUTBOX_INTERVAL_MS).toBe(2000);
  });

  it('fails at boot without a hook secret of at least 16 characters', () => {
    const { FINERACT_HOOK_SECRET: _s, ...missing } = ENV;
    expect(() => loadPaymentEnv(missing)).toThrow(/FINERACT_HOOK_SECRET/);
    expect(() => loadPaymentEnv({ ...ENV, FINERACT_HOOK_SECRET: 'short' })).toThrow(/FINERACT_HOOK_SECRET/);
    expect(() => loadPaymentEnv({ ...ENV, MOJALOOP_PAYEE_ID_TYPE: 'PHONE' })).toThrow(
      /MOJALOOP_PAYEE_ID_TYPE/,
    );
    expect(() => loadPaymentEnv({ ...ENV, MOJALOOP_DFSP_ID: 'bad id!' })).toThrow(/MOJALOOP_DFSP_ID/);
  });

  it('registers a valid mediator with anchored channels and a public hook channel', () => {
    const def = validateMediatorDefinition(definition as MediatorDefinition);
    expect(def.urn).toBe('urn:mediator:openimis-payment-layer-payment');
    const hook = def.defaultChannelConfig?.find((c) => c.name === 'Fineract payment hooks');
    expect(hook).toMatchObject({
      authType: 'public',
      methods: ['POST'],
      urlPattern: '^/payments/fineract/hook$',
    });
    expect(def.defaultChannelConfig?.map((c) => c.urlPattern)).toEqual([
      '^/payments/fineract/hook$',
      '^/fhir/PaymentNotice/?$',
      '^/fhir/PaymentReconciliation/?$',
      '^/sync/reconcile$',
      '^/mojaloop/(parties/[^/]+/[^/]+(/[^/]+)?|quoterequests|transfers(/[0-9A-Za-z-]+)?)$',
    ]);
  });

  it('accepts the default operator config and refuses bad values', () => {
    const config = definition.config as PaymentRemoteConfig;
    expect(() => {
      checkPaymentConfig(config);
    }).not.toThrow();
    expect(flowSettings(config)).toMatchObject({
      verifyPaid: true,
      recordPremium: false,
      premiumPayType: 'M',
    });
    for (const change of [{ premiumPayType: 'X' }, { noticeRecipient: 'nobody' }, { maxVerifyAttempts: 0 }]) {
      expect(() => {
        checkPaymentConfig({ ...config, ...change });
      }).toThrow(ConfigError);
    }
  });
});
