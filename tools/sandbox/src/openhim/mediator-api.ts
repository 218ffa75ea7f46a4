import { maskPasswords, restoreMaskedPasswords, validateConfig, validateConfigDefs } from './config-rules';
import { castAndValidate, CHANNEL_SCHEMA, MEDIATOR_SCHEMA } from './schema';
import type { CoreState } from './state';
import type { OpenHimChannel, OpenHimMediator } from './types';
import {
  asText,
  clone,
  CoreValidationError,
  errorMessage,
  isNil,
  isRecord,
  isValidSemver,
  semverGreaterThan,
} from './util';

/** What an API handler answers: a string is sent as text, an object as JSON, `undefined` as an empty body. */
export interface CoreReply {
  readonly status: number;
  readonly body?: string | object;
}

/** Core decodes the `:urn` parameter itself (`unescape`); a malformed escape is left as is. */
export function decodeUrn(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** mongoose's `minimize`: an empty `config` object is not saved at all. */
function minimizeConfig(doc: Record<string, unknown>): void {
  if (isRecord(doc.config) && Object.keys(doc.config).length === 0) {
    delete doc.config;
  }
}

/**
 * `POST /mediators` (openhim.md §3.6): required urn and SemVer version, configDefs and config validation, then
 * insert (new urn, ≥ 1 endpoint, schema validation) or version-gated update where stored config values win.
 * Always 201 with an empty body on success, also when nothing changed.
 */
export function registerMediator(state: CoreState, body: unknown): CoreReply {
  const mediator: Record<string, unknown> = isRecord(body) ? clone(body) : {};
  try {
    if (!mediator.urn) {
      throw new CoreValidationError('URN is required');
    }
    if (!mediator.version || !isValidSemver(mediator.version)) {
      throw new CoreValidationError('Version is required. Must be in SemVer form x.y.z');
    }
    if (mediator.configDefs) {
      validateConfigDefs(mediator.configDefs);
      if (!isNil(mediator.config)) {
        validateConfig(mediator.configDefs, mediator.config);
      }
    }
    const urn = asText(mediator.urn);
    const existing = state.mediators.get(urn);
    if (existing) {
      if (semverGreaterThan(mediator.version, existing.version)) {
        updateMediator(state, existing, mediator);
      } else {
        state.log(
          'info',
          { urn, version: mediator.version },
          'mediator version not newer: registration ignored',
        );
      }
    } else {
      const endpoints = mediator.endpoints as { length?: unknown } | undefined | null;
      if (!endpoints || !(typeof endpoints.length === 'number' && endpoints.length >= 1)) {
        throw new CoreValidationError('At least 1 endpoint is required');
      }
      const cast = castAndValidate('Mediator', MEDIATOR_SCHEMA, mediator, 'save');
      if (!cast.ok) {
        throw cast.error;
      }
      minimizeConfig(cast.doc);
      state.mediators.set(urn, cast.doc as unknown as OpenHimMediator);
    }
    return { status: 201 };
  } catch (err) {
    const status = err instanceof Error && err.name === 'ValidationError' ? 400 : 500;
    const text = `Could not add Mediator via the API: ${String(err)}`;
    state.log('error', { status }, text);
    return { status, body: text };
  }
}

function updateMediator(
  state: CoreState,
  existing: OpenHimMediator,
  mediator: Record<string, unknown>,
): void {
  // Operator edits survive an upgrade: for every key already configured, the stored value wins.
  if (isRecord(mediator.config) && isRecord(existing.config)) {
    for (const param of Object.keys(mediator.config)) {
      if (!isNil(existing.config[param])) {
        mediator.config[param] = existing.config[param];
      }
    }
  }
  // findByIdAndUpdate without runValidators: casting only, and only the fields sent are replaced.
  const cast = castAndValidate('Mediator', MEDIATOR_SCHEMA, mediator, 'update');
  if (!cast.ok) {
    throw cast.error;
  }
  const updated: Record<string, unknown> = { ...existing };
  for (const key of Object.keys(MEDIATOR_SCHEMA)) {
    if (key in mediator) {
      updated[key] = cast.doc[key];
    }
  }
  updated._id = existing._id;
  state.mediators.set(existing.urn, updated as unknown as OpenHimMediator);
}

/** `GET /mediators/:urn`: the document with password values masked; 404 with an empty body when unknown. */
export function getMediatorMasked(state: CoreState, urn: string): CoreReply {
  const mediator = state.mediators.get(urn);
  if (!mediator) {
    return { status: 404 };
  }
  const copy = clone(mediator);
  maskPasswords(copy.configDefs, copy.config);
  return { status: 200, body: copy };
}

/**
 * `POST /mediators/:urn/heartbeat` (openhim.md §5): 404 unknown urn (checked first), 400 without `uptime`; the
 * stored config when it changed since the last heartbeat or when `config: true`; else an empty body.
 */
export function heartbeat(state: CoreState, urn: string, body: unknown): CoreReply {
  const mediator = state.mediators.get(urn);
  if (!mediator) {
    return { status: 404 };
  }
  const beat = isRecord(body) ? body : undefined;
  if (isNil(beat?.uptime)) {
    return { status: 400 };
  }
  // mongoose casts `_uptime` to Number in the update; a failed cast is a 500 after the answer was prepared.
  const uptime = typeof beat.uptime === 'number' ? beat.uptime : Number(beat.uptime);
  if (typeof beat.uptime === 'object' || !Number.isFinite(uptime)) {
    return {
      status: 500,
      body: `Could not process mediator heartbeat (urn: ${urn}): CastError: Cast to Number failed for value "${asText(beat.uptime)}" at path "_uptime"`,
    };
  }
  const modified =
    mediator._configModifiedTS === undefined ? undefined : Date.parse(mediator._configModifiedTS);
  const last = mediator._lastHeartbeat === undefined ? undefined : Date.parse(mediator._lastHeartbeat);
  const changed = modified !== undefined && last !== undefined && modified > last;
  // Core sets `ctx.body = mediator.config`, which is undefined when no config was stored: Koa then sends its status
  // text ("OK") — see `statusTextBodies`. Otherwise the body is an explicit empty string.
  const reply: CoreReply =
    changed || beat.config === true
      ? { status: 200, ...(mediator.config !== undefined ? { body: clone(mediator.config) } : {}) }
      : { status: 200, body: '' };
  mediator._lastHeartbeat = state.clock.now().toISOString();
  mediator._uptime = uptime;
  return reply;
}

/**
 * `PUT /mediators/:urn/config`: masked passwords are restored from the stored config, the whole object is
 * validated against `configDefs` (400 with the bare message), stored, and `_configModifiedTS` is set.
 */
export function setMediatorConfig(state: CoreState, urn: string, body: unknown): CoreReply {
  const mediator = state.mediators.get(urn);
  if (!mediator) {
    return { status: 404, body: 'No mediator found for this urn.' };
  }
  const config: unknown = clone(body);
  try {
    restoreMaskedPasswords(mediator.configDefs, config, mediator.config);
    validateConfig(mediator.configDefs, config);
  } catch (err) {
    return { status: 400, body: errorMessage(err) };
  }
  mediator.config = config as Record<string, unknown>;
  mediator._configModifiedTS = state.clock.now().toISOString();
  return { status: 200 };
}

/**
 * `POST /mediators/:urn/channels` (openhim.md §6). A JSON array of names selects channels; `[]` installs all.
 * Faithful to core's code: a body that is not an array (including no body at all, which core's body parser turns
 * into `{}`) selects nothing and still answers 201. Channels are saved independently: a duplicate name or an
 * invalid definition fails with 500 after the others were saved.
 */
export function installChannels(state: CoreState, urn: string, body: unknown): CoreReply {
  const mediator = state.mediators.get(urn);
  if (!mediator) {
    return { status: 404, body: 'No mediator found for this urn.' };
  }
  const defaults = Array.isArray(mediator.defaultChannelConfig) ? mediator.defaultChannelConfig : [];
  let selected: OpenHimChannel[];
  if (isNil(body) || (Array.isArray(body) && body.length === 0)) {
    selected = defaults;
  } else {
    const names: unknown[] = Array.isArray(body) ? body : [];
    selected = defaults.filter((c) => names.includes(c.name));
    const requested = (body as { length?: unknown }).length;
    if (typeof requested === 'number' && selected.length < requested) {
      const text = `Could not load mediator default channel config, one or more channels in the request body not found in the mediator config (urn: ${urn})`;
      return { status: 400, body: text };
    }
    if (!Array.isArray(body)) {
      state.log('warn', { urn }, 'channel install body is not an array: no channel installed (as core does)');
    }
  }
  let firstError: string | undefined;
  for (const definition of selected) {
    const error = saveChannel(state, definition);
    if (error !== undefined && firstError === undefined) {
      firstError = error;
    }
  }
  if (firstError !== undefined) {
    const text = `Could not load mediator default channel config (urn: ${urn}): ${firstError}`;
    state.log('error', { urn }, text);
    return { status: 500, body: text };
  }
  return { status: 201 };
}

/**
 * Saves a channel document like `new Channel(def).save()`: `_id`s of the definition and its routes are dropped,
 * `updatedBy` is set, schema validation runs, and the unique name index applies.
 *
 * @returns the error text (mongoose/MongoDB style) or `undefined` when saved.
 */
export function saveChannel(state: CoreState, definition: unknown): string | undefined {
  const raw: Record<string, unknown> = isRecord(definition) ? clone(definition) : {};
  delete raw._id;
  if (Array.isArray(raw.routes)) {
    for (const route of raw.routes) {
      if (isRecord(route)) {
        delete route._id;
      }
    }
  }
  raw.updatedBy = { id: state.rootUser._id, name: state.rootUser.displayName };
  const cast = castAndValidate('Channel', CHANNEL_SCHEMA, raw, 'save');
  if (!cast.ok) {
    return String(cast.error);
  }
  const channel = cast.doc as unknown as OpenHimChannel & { _id: string };
  if (state.channels.some((c) => c.name === channel.name)) {
    return `MongoServerError: E11000 duplicate key error collection: openhim.channels index: name_1 dup key: { name: ${JSON.stringify(channel.name)} }`;
  }
  state.channels.push(channel);
  state.channelsChanged();
  return undefined;
}
