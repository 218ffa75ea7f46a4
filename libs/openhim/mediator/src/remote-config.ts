import { Ajv, type ValidateFunction } from 'ajv';
import { ConfigError } from '@payment-layer/shared-errors';
import { configDefsToJsonSchema, type ConfigDef } from './definition';

/** Called with the new config after a valid change. */
export type ConfigListener<C> = (config: C, previous: C) => void;

/**
 * The mediator's operator-editable config: local defaults (from `mediator.json`) overlaid with what core
 * returns, validated against the `configDefs` schema (and an optional stricter check) before it is applied.
 * An invalid remote change is refused and the previous config kept, so a console typo never stops the flow.
 */
export class RemoteConfig<C extends Record<string, unknown>> {
  private current: C;
  private isKnown: boolean;
  private readonly validate: ValidateFunction;
  private readonly listeners = new Set<ConfigListener<C>>();

  /**
   * @param defs - the mediator's configDefs
   * @param defaults - the default config
   * @param check - optional extra validation (e.g. cross-field rules); throw to refuse
   * @param options - `known: false` when the defaults are only a placeholder until core's config arrives (default
   *   true: the defaults are the config, e.g. without OpenHIM)
   */
  constructor(
    defs: readonly ConfigDef[],
    private readonly defaults: C,
    private readonly check?: (config: C) => void,
    options: { readonly known?: boolean } = {},
  ) {
    this.validate = new Ajv({ allErrors: true, strict: false }).compile(configDefsToJsonSchema(defs));
    this.current = this.validated(defaults);
    this.isKnown = options.known ?? true;
  }

  /** The config in force. */
  get value(): C {
    return this.current;
  }

  /**
   * Whether the config in force is the operator's: true from the start when there is no remote source, otherwise
   * once a valid config has been received (even one equal to the defaults). Until then {@link value} holds only the
   * defaults, which must not decide anything that moves money.
   */
  get known(): boolean {
    return this.isKnown;
  }

  /**
   * Applies a config received from core (merged over the defaults).
   *
   * @param raw - the config object from core
   * @returns whether anything changed
   * @throws ConfigError when the config is invalid (the previous one stays in force)
   */
  apply(raw: Record<string, unknown>): boolean {
    const next = this.validated({ ...this.defaults, ...raw });
    this.isKnown = true;
    if (JSON.stringify(next) === JSON.stringify(this.current)) {
      return false;
    }
    const previous = this.current;
    this.current = next;
    for (const l of this.listeners) {
      l(next, previous);
    }
    return true;
  }

  /**
   * Subscribes to config changes.
   *
   * @param listener - called after each applied change
   * @returns unsubscribe function
   */
  onChange(listener: ConfigListener<C>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private validated(config: C): C {
    if (!this.validate(config)) {
      const problems = (this.validate.errors ?? []).map((e) => {
        const where = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'config';
        const extra =
          e.keyword === 'additionalProperties'
            ? ` (no config definition for parameter ${String(e.params.additionalProperty)})`
            : '';
        return `${where} ${e.message ?? 'is invalid'}${extra}`;
      });
      throw new ConfigError(`invalid mediator config: ${problems.join('; ')}`);
    }
    this.check?.(config);
    return config;
  }
}
