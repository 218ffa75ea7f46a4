// Web hooks: registration (`/hooks`) and delivery. Delivery copies Fineract's WebHookProcessor: one POST per
// matching hook, asynchronous, no retry, no signature; failures are only logged (here: in `hookDeliveries`).
// Failed commands are delivered too, with `status: "Exception"`.

import { Agent, request } from 'undici';
import type { Command } from './command';
import { type CommandResult, compact, type HandlerEnv } from './context';
import { domainRule, notFound, parameterError, validationErrors } from './errors';
import { isJsonObject, JsonNumber, stringifyJson } from './json';
import type { SimHook, TenantState } from './state';

/** One delivery attempt, successful or not. */
export interface HookDelivery {
  hookId: number;
  tenantId: string;
  url: string;
  entityName: string;
  actionName: string;
  headers: Record<string, string>;
  /** The JSON body sent. */
  body: string;
  /** Receiver's status, when it answered. */
  status?: number;
  /** Network error, when it did not. */
  error?: string;
  at: string;
}

/** Templates Fineract ships (`GET /hooks/template`). */
const TEMPLATES = [
  {
    id: 1,
    name: 'Web',
    schema: [
      { fieldName: 'Payload URL', fieldType: 'string', optional: false },
      { fieldName: 'Content Type', fieldType: 'string', optional: false },
    ],
  },
  { id: 2, name: 'SMS Bridge', schema: [{ fieldName: 'Payload URL', fieldType: 'string', optional: false }] },
  { id: 3, name: 'Http SMS', schema: [{ fieldName: 'Payload URL', fieldType: 'string', optional: false }] },
] as const;

/** Entity/action pairs the simulator emits. */
export const HOOK_EVENTS: readonly { entityName: string; actions: readonly string[] }[] = [
  { entityName: 'CLIENT', actions: ['CREATE', 'UPDATE', 'ACTIVATE', 'CLOSE'] },
  { entityName: 'GROUP', actions: ['CREATE', 'ASSOCIATECLIENTS', 'DISASSOCIATECLIENTS', 'ACTIVATE'] },
  { entityName: 'SAVINGSACCOUNT', actions: ['CREATE', 'APPROVE', 'ACTIVATE', 'DEPOSIT', 'WITHDRAWAL'] },
  { entityName: 'CLIENTCHARGE', actions: ['CREATE', 'PAY', 'WAIVE', 'INACTIVATE', 'DELETE'] },
  { entityName: 'SAVINGSPRODUCT', actions: ['CREATE'] },
  { entityName: 'PAYMENTTYPE', actions: ['CREATE'] },
];

/** `POST /hooks`. */
export function createHook(env: HandlerEnv, cmd: Command): CommandResult {
  const { state } = env;
  cmd.checkWhitelist('hooks.create');
  const name = cmd.string('name', { required: true, maxLength: 100 });
  const displayName = cmd.string('displayName', { maxLength: 100 });
  const isActive = cmd.boolean('isActive');
  const templateId = cmd.long('templateId', { positive: true });
  const config = cmd.object('config', { required: true });
  const eventsRaw = cmd.raw('events');
  const events: { entityName: string; actionName: string }[] = [];
  if (eventsRaw !== undefined && eventsRaw !== null) {
    if (!Array.isArray(eventsRaw)) {
      cmd.failWithCode('error.msg.invalid.json', 'The parameter events must be an array.', 'events');
    } else {
      for (const e of eventsRaw) {
        const entityName = isJsonObject(e) ? e['entityName'] : undefined;
        const actionName = isJsonObject(e) ? e['actionName'] : undefined;
        if (
          typeof entityName !== 'string' ||
          typeof actionName !== 'string' ||
          entityName === '' ||
          actionName === ''
        ) {
          cmd.fail('events', 'invalid', 'Every event needs an entityName and an actionName.');
        } else {
          events.push({ entityName, actionName });
        }
      }
    }
  }
  cmd.throwIfErrors();
  const template = TEMPLATES.find((t) => t.name === name);
  if (template === undefined) {
    throw notFound(
      'error.msg.template.identifier.invalid',
      `Hook template with name ${name ?? ''} does not exist`,
      name,
    );
  }
  const conf: Record<string, string> = {};
  for (const [k, v] of Object.entries(config ?? {})) {
    conf[k] = v instanceof JsonNumber ? v.text : typeof v === 'string' ? v : JSON.stringify(v);
  }
  const missing = template.schema.filter((f) => !f.optional && (conf[f.fieldName] ?? '').trim() === '');
  if (missing.length > 0) {
    throw validationErrors(
      missing.map((f) =>
        parameterError(
          `validation.msg.hook.${f.fieldName}.cannot.be.blank`,
          `The parameter ${f.fieldName} cannot be blank.`,
          f.fieldName,
        ),
      ),
    );
  }
  const unknown = Object.keys(conf).filter((k) => !template.schema.some((f) => f.fieldName === k));
  if (unknown.length > 0) {
    throw domainRule(
      'error.msg.hook.config.field.not.in.template',
      `Config field ${unknown[0] ?? ''} is not part of the template ${template.name}.`,
      'config',
    );
  }
  if ([...state.hooks.values()].some((h) => h.displayName !== undefined && h.displayName === displayName)) {
    throw domainRule(
      'error.msg.hook.duplicate.name',
      `A hook with the name ${displayName ?? ''} already exists`,
      'displayName',
    );
  }
  const id = ++state.seq.hook;
  const hook: SimHook = compact({
    id,
    name: template.name,
    displayName,
    isActive: isActive ?? false,
    templateId: templateId ?? template.id,
    events,
    config: conf,
  });
  state.hooks.set(id, hook);
  return { resourceId: id };
}

/** A hook as `GET /hooks/{id}` answers it. */
export function hookData(hook: SimHook): Record<string, unknown> {
  return compact({
    id: hook.id,
    name: hook.name,
    displayName: hook.displayName,
    isActive: hook.isActive,
    templateId: hook.templateId,
    events: hook.events,
    config: Object.entries(hook.config).map(([fieldName, fieldValue]) => ({ fieldName, fieldValue })),
  });
}

/** `GET /hooks/template`. */
export function hookTemplate(): Record<string, unknown> {
  return {
    templates: TEMPLATES,
    groupings: [
      {
        name: 'portfolio',
        entities: HOOK_EVENTS.map((e) => ({ name: e.entityName, actions: e.actions })),
      },
    ],
  };
}

/** What a hook needs to know about a processed (or failed) command. */
export interface HookEvent {
  tenantId: string;
  entityName: string;
  actionName: string;
  username: string;
  /** The original request body text. */
  requestBody: string;
  /** The CommandProcessingResult, or the error for a failed command. */
  result: { ok: true; body: CommandResult } | { ok: false; status: number; body: Record<string, unknown> };
  at: Date;
}

/**
 * Delivers hook events to every active matching hook, once, without retry.
 */
export class HookDeliverer {
  /** Every delivery attempt, in order of completion. */
  readonly deliveries: HookDelivery[] = [];
  private readonly pending = new Set<Promise<void>>();
  // A private dispatcher: a test that installs a global MockAgent must not swallow the simulator's deliveries.
  private readonly agent = new Agent({ connections: 8 });

  /** @param endpoint - value for `X-Fineract-Endpoint` (Fineract's `baseUrl` JVM property), if set */
  constructor(private readonly endpoint: string | undefined) {}

  /**
   * Schedules deliveries for an event (asynchronously, after the command returns).
   * @param state - the tenant whose hooks apply
   * @param event - the event
   */
  publish(state: TenantState, event: HookEvent): void {
    const hooks = [...state.hooks.values()].filter(
      (h) =>
        h.isActive &&
        h.name === 'Web' &&
        h.events.some((e) => e.entityName === event.entityName && e.actionName === event.actionName),
    );
    for (const hook of hooks) {
      const p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.deliver(hook, event));
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
  }

  /** Resolves when every scheduled delivery has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending]);
    }
  }

  /** Waits for pending deliveries, then closes the connections. */
  async close(): Promise<void> {
    await this.idle();
    await this.agent.close();
  }

  private async deliver(hook: SimHook, event: HookEvent): Promise<void> {
    const url = hook.config['Payload URL'] ?? '';
    const json = (hook.config['Content Type'] ?? 'json').toLowerCase() === 'json';
    const requestJson = event.requestBody.trim() === '' ? '{}' : event.requestBody;
    const base = {
      entityName: event.entityName,
      actionName: event.actionName,
      createdBy: 1,
      createdByName: event.username,
      createdByFullName: 'App Administrator',
    };
    let payload: string;
    if (event.result.ok) {
      const { officeId, ...response } = event.result.body;
      const clientId = response['clientId'];
      // `request` is spliced in as the caller's original JSON text so that amounts keep every digit.
      payload = stringifyJson({
        ...base,
        request: '\u0001REQ',
        officeId,
        clientId,
        response,
        timestamp: event.at.toISOString(),
      });
    } else {
      const errorBody = event.result.body;
      payload = stringifyJson({
        ...base,
        request: '\u0001REQ',
        status: 'Exception',
        response: {
          errorCode: errorBody['userMessageGlobalisationCode'],
          statusCode: event.result.status,
          ...errorBody,
        },
        timestamp: event.at.toISOString(),
      });
    }
    payload = payload.replace('"\\u0001REQ"', () => requestJson);
    const headers: Record<string, string> = {
      'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded',
      'X-Fineract-Entity': event.entityName,
      'X-Fineract-Action': event.actionName,
      'Fineract-Platform-TenantId': event.tenantId,
    };
    if (this.endpoint !== undefined) {
      headers['X-Fineract-Endpoint'] = this.endpoint;
    }
    const body = json ? payload : new URLSearchParams({ payload }).toString();
    const record: HookDelivery = {
      hookId: hook.id,
      tenantId: event.tenantId,
      url,
      entityName: event.entityName,
      actionName: event.actionName,
      headers,
      body: payload,
      at: new Date().toISOString(),
    };
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await res.body.dump();
      record.status = res.statusCode;
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
    }
    this.deliveries.push(record);
  }
}
