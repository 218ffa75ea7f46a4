/**
 * FHIR Subscriptions of the simulator (reference §12): `POST Subscription/` with rest-hook channels, and the
 * module signals that push the **bare** resource to the endpoint — off by default, as in openIMIS, and
 * fire-and-forget (one attempt, failures only recorded).
 */
import { randomUUID } from 'node:crypto';
import type { FhirResource, Subscription } from 'fhir/r4';
import { request } from 'undici';
import { identifier } from './fhir-shapes';
import { outcomeReply, type SimReply } from './http-util';
import type { OpenImisStore, StoreWriteEvent } from './store';

/** Which module signals are bound (`subscribe_invoice_signal`, `subscribe_insuree_signal`, `subscribe_location_signal`). */
export interface SubscriptionSignals {
  /** Invoice and Bill on create. */
  readonly invoice?: boolean;
  /** Patient on create or update. */
  readonly insuree?: boolean;
  /** Health-facility Organization on create or update. */
  readonly healthFacility?: boolean;
}

/** One notification attempt. */
export interface SubscriptionDelivery {
  readonly subscriptionId: string;
  readonly endpoint: string;
  readonly resourceType: string;
  readonly resourceId: string;
  /** HTTP status of the receiver's answer, if any. */
  readonly status?: number;
  /** Why the attempt failed (network error, non-2xx, non-JSON answer); openIMIS only logs it. */
  readonly error?: string;
}

const STATUSES = ['requested', 'active', 'error', 'off'];
const DATE_TIME = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Handles `POST Subscription/`.
 *
 * @param store - simulator store
 * @param rawBody - request body
 * @returns 201 with the stored Subscription, or 400
 */
export function createSubscription(store: OpenImisStore, rawBody: string): SimReply {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch (err) {
    return outcomeReply(
      400,
      'fatal',
      `JSON parse error - ${err instanceof Error ? err.message : 'invalid JSON'}`,
    );
  }
  if (!isObject(body) || body['resourceType'] !== 'Subscription') {
    return outcomeReply(400, 'error', 'Wrong resourceType: expected Subscription');
  }
  if (typeof body['status'] !== 'string' || !STATUSES.includes(body['status'])) {
    return outcomeReply(
      400,
      'error',
      `1 validation error for Subscription\nstatus\n  field required or not one of ${STATUSES.join(', ')}`,
    );
  }
  if (typeof body['criteria'] !== 'string' || body['criteria'] === '') {
    return outcomeReply(400, 'error', '1 validation error for Subscription\ncriteria\n  field required');
  }
  if (typeof body['reason'] !== 'string' || body['reason'] === '') {
    return outcomeReply(400, 'error', '1 validation error for Subscription\nreason\n  field required');
  }
  if (body['end'] !== undefined && (typeof body['end'] !== 'string' || !DATE_TIME.test(body['end']))) {
    return outcomeReply(400, 'error', '1 validation error for Subscription\nend\n  invalid datetime format');
  }
  const channel = body['channel'];
  if (!isObject(channel)) {
    return outcomeReply(400, 'error', '1 validation error for Subscription\nchannel\n  field required');
  }
  if (channel['type'] !== 'rest-hook') {
    return outcomeReply(400, 'error', "Only the 'rest-hook' channel type is supported");
  }
  if (typeof channel['endpoint'] !== 'string' || !/^https?:\/\//.test(channel['endpoint'])) {
    return outcomeReply(400, 'error', 'channel.endpoint must be an http(s) URL');
  }
  const headers = channel['header'];
  if (headers !== undefined) {
    if (!Array.isArray(headers) || headers.some((h) => typeof h !== 'string' || !isJsonObject(h))) {
      return outcomeReply(
        400,
        'error',
        'channel.header must be a list of JSON objects serialised as strings',
      );
    }
  }
  const id = randomUUID();
  const resource = {
    ...(body as unknown as Subscription),
    id,
    identifier: [identifier('UUID', id)],
  } as Subscription;
  store.put('Subscription', resource);
  return { status: 201, body: resource };
}

function isJsonObject(text: string): boolean {
  try {
    return isObject(JSON.parse(text));
  } catch {
    return false;
  }
}

/** Sends the pushes of the enabled signals and records every attempt. */
export class SubscriptionNotifier {
  private readonly deliveries: SubscriptionDelivery[] = [];
  private readonly pending = new Set<Promise<void>>();

  /**
   * @param store - simulator store (subscriptions and the written resources)
   * @param signals - enabled signals; all off by default
   * @param clock - simulator clock (subscription `end`)
   */
  constructor(
    private readonly store: OpenImisStore,
    private readonly signals: SubscriptionSignals,
    private readonly clock: () => Date,
    /** How a pushed resource is served (the identity mode); unchanged by default. */
    private readonly present: (resource: FhirResource) => FhirResource = (r) => r,
  ) {
    store.onWrite((event) => {
      this.onWrite(event);
    });
  }

  /**
   * Every attempt so far.
   *
   * @returns the deliveries in order
   */
  list(): SubscriptionDelivery[] {
    return [...this.deliveries];
  }

  /**
   * Resolves when every started delivery has finished.
   *
   * @returns a promise
   */
  async idle(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.all([...this.pending]);
    }
  }

  private onWrite(event: StoreWriteEvent): void {
    if (!this.triggers(event)) {
      return;
    }
    for (const sub of this.store.list('Subscription')) {
      if (
        sub.resourceType === 'Subscription' &&
        this.isLive(sub) &&
        matchesCriteria(sub.criteria, event, this.store)
      ) {
        const job = this.deliver(sub, event.resource).finally(() => {
          this.pending.delete(job);
        });
        this.pending.add(job);
      }
    }
  }

  private triggers(event: StoreWriteEvent): boolean {
    switch (event.type) {
      case 'Invoice':
        return this.signals.invoice === true && event.created;
      case 'Patient':
        return this.signals.insuree === true;
      case 'Organization':
        return (
          this.signals.healthFacility === true &&
          event.resource.resourceType === 'Organization' &&
          event.resource.type?.[0]?.coding?.[0]?.code === 'prov'
        );
      case 'Group':
      case 'Claim':
      case 'ClaimResponse':
      case 'PaymentNotice':
      case 'Subscription':
        return false;
    }
  }

  private isLive(sub: Subscription): boolean {
    if (sub.status !== 'active') {
      return false;
    }
    return sub.end === undefined || Date.parse(sub.end) > this.clock().getTime();
  }

  private async deliver(sub: Subscription, stored: FhirResource): Promise<void> {
    const resource = this.present(stored);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    for (const h of sub.channel.header ?? []) {
      for (const [k, v] of Object.entries(JSON.parse(h) as Record<string, unknown>)) {
        headers[k.toLowerCase()] = String(v);
      }
    }
    const base = {
      subscriptionId: sub.id ?? '',
      endpoint: sub.channel.endpoint ?? '',
      resourceType: resource.resourceType,
      resourceId: resource.id ?? '',
    };
    try {
      const res = await request(base.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(resource),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const text = await res.body.text();
      let error: string | undefined;
      if (res.statusCode < 200 || res.statusCode > 299) {
        error = `receiver answered ${String(res.statusCode)}`;
      } else if (!isParsableJson(text)) {
        error = 'receiver answer is not JSON';
      }
      this.deliveries.push(
        error === undefined
          ? { ...base, status: res.statusCode }
          : { ...base, status: res.statusCode, error },
      );
    } catch (err) {
      this.deliveries.push({ ...base, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

function isParsableJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** `Invoice?resourceType=invoice`, `Patient`, `Organization`: the type before `?`, plus the invoice kind. */
function matchesCriteria(criteria: string, event: StoreWriteEvent, store: OpenImisStore): boolean {
  const [type, query = ''] = criteria.split('?', 2);
  if (type !== event.type) {
    return false;
  }
  if (event.type === 'Invoice') {
    const kind = new URLSearchParams(query).get('resourceType')?.toLowerCase();
    return kind === undefined || store.invoice(event.resource.id ?? '')?.kind === kind;
  }
  return true;
}
