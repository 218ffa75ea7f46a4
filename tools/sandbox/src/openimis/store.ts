/**
 * In-memory state of the openIMIS simulator: FHIR resources per type in creation order with their
 * last-update time, plus the state the FHIR API hides (real invoice status, payments, policies, premiums,
 * mutation logs). Tests reach it through `simulator.store`.
 */
import { Decimal } from 'decimal.js';
import type { FhirResource, Invoice, PaymentNotice } from 'fhir/r4';
import { BUSINESS_CODE_TYPES, identifierValues } from './fhir-shapes';
import { uuidFromName } from './random';
import { INVOICE_STATUS, POLICY_STATUS, type GeneratedLineItem, type InvoiceStatusCode } from './population';

/** FhirResource types the simulator serves. Bills are served as `Invoice`. */
export type OpenImisResourceType =
  | 'Patient'
  | 'Group'
  | 'Organization'
  | 'Claim'
  | 'ClaimResponse'
  | 'Invoice'
  | 'PaymentNotice'
  | 'Subscription';

/** Every served resource type, in path order. */
export const RESOURCE_TYPES: readonly OpenImisResourceType[] = [
  'Patient',
  'Group',
  'Organization',
  'Claim',
  'ClaimResponse',
  'Invoice',
  'PaymentNotice',
  'Subscription',
];

interface StoredRecord {
  resource: FhirResource;
  lastUpdated: Date;
  seq: number;
  numericId: number;
}

/** A write seen by {@link OpenImisStore.onWrite} listeners. */
export interface StoreWriteEvent {
  readonly type: OpenImisResourceType;
  readonly resource: FhirResource;
  /** True for an insert, false for a replacement. */
  readonly created: boolean;
}

/** The openIMIS-side state of one invoice or bill. */
export interface InvoiceState {
  readonly id: string;
  /** Numeric database id (also accepted in `GET Invoice/<id>/`). */
  readonly numericId: number;
  readonly code: string;
  readonly kind: 'invoice' | 'bill';
  /** Current status (2 = PAID, 5 = SUSPENDED); see `INVOICE_STATUS`. */
  status: InvoiceStatusCode;
  readonly currency: string;
  /** `amount_total`, decimal string. */
  readonly amountTotal: string;
  /** `amount_net`, decimal string. */
  readonly amountNet: string;
  readonly lineItems: readonly GeneratedLineItem[];
  /** Never set by `payment_received` (reference §8); stays null. */
  readonly datePayed: string | null;
  /** Subject UUID (the family of a contribution invoice), when known. */
  readonly subjectId: string | null;
  /** Third-party UUID (the FHIR `recipient`: head insuree or health facility). */
  readonly thirdpartyId: string | null;
}

/** A payment recorded by `POST PaymentNotice/` (PaymentInvoice + its one DetailPaymentInvoice). */
export interface StoredPayment {
  /** PaymentInvoice UUID (= PaymentNotice id). */
  readonly id: string;
  /** Subject invoice or bill UUID. */
  readonly subjectId: string;
  readonly subjectType: 'invoice' | 'bill';
  /** Detail status: 0 rejected, 1 accepted, 2 refunded, 3 cancelled. */
  readonly detailStatus: 0 | 1 | 2 | 3;
  /** 0 not reconciliated (`paid`), 1 reconciliated (`cleared`). */
  readonly reconciliationStatus: 0 | 1;
  /** Amount as received, decimal string. */
  readonly amountReceived: string;
  /** Whole `payment.reference`. */
  readonly payerRef: string;
  /** Part of `payment.reference` after the last `/`. */
  readonly reconciliationId: string;
  readonly dateCreated: string;
  readonly datePayment: string | undefined;
  /** What the invoice service did with the payment: PAID, SUSPENDED, or the (swallowed) validation error. */
  readonly outcome: { readonly action: 'paid' | 'suspended' | 'none'; readonly error?: string };
  /** The PaymentNotice as the API answers it. */
  readonly resource: PaymentNotice;
}

/** A policy (target of `createPremium`). */
export interface PolicyState {
  readonly uuid: string;
  readonly familyId: string;
  readonly productCode: string;
  /** Policy value, decimal string. */
  readonly value: string;
  /** 1 idle, 2 active, 4 suspended. */
  status: number;
}

/** A premium recorded by `createPremium`. */
export interface StoredPremium {
  readonly uuid: string;
  readonly policyUuid: string;
  readonly amount: string;
  readonly receipt: string;
  readonly payDate: string;
  readonly payType: string;
  readonly isPhotoFee: boolean;
  readonly clientMutationId: string | null;
}

/** An openIMIS mutation log entry (`mutationLogs`). */
export interface MutationLogEntry {
  /** `internalId` returned by the mutation. */
  readonly id: string;
  readonly clientMutationId: string | null;
  readonly clientMutationLabel: string | null;
  /** 0 received, 1 error, 2 success. */
  status: 0 | 1 | 2;
  /** JSON text of the error when status is 1. */
  error: string | null;
  readonly requestDateTime: string;
  /** Wall-clock ms after which the mutation has run. */
  readonly readyAt: number;
  /** Runs the mutation once; returns the error message or null on success. */
  readonly run: () => string | null;
}

const isUuidLike = (value: string): boolean =>
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value);

/**
 * Truncates a time to whole seconds (openIMIS compares `_lastUpdated` at second resolution).
 *
 * @param date - a time
 * @returns epoch seconds
 */
export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/**
 * Formats a time the way openIMIS prints server-local datetimes (`YYYY-MM-DDTHH:MM:SS`; the simulator's server-local is UTC).
 *
 * @param date - a time
 * @returns the formatted time
 */
export const formatLocalDateTime = (date: Date): string => date.toISOString().slice(0, 19);

/** In-memory openIMIS database of the simulator. */
export class OpenImisStore {
  private readonly records = new Map<OpenImisResourceType, StoredRecord[]>();
  private readonly index = new Map<OpenImisResourceType, Map<string, StoredRecord>>();
  private readonly byCode = new Map<OpenImisResourceType, Map<string, StoredRecord>>();
  private readonly invoiceStates = new Map<string, InvoiceState>();
  private readonly payments: StoredPayment[] = [];
  private readonly policyStates = new Map<string, PolicyState>();
  private readonly premiumList: StoredPremium[] = [];
  private readonly logs: MutationLogEntry[] = [];
  private seq = 0;
  private settling = false;
  private readonly writeListeners: ((event: StoreWriteEvent) => void)[] = [];

  /**
   * @param clock - the simulator clock; every write is stamped with it
   */
  constructor(private readonly clock: () => Date) {
    for (const type of RESOURCE_TYPES) {
      this.records.set(type, []);
      this.index.set(type, new Map());
      this.byCode.set(type, new Map());
    }
  }

  /**
   * Resources of a type in creation order.
   *
   * @param type - resource type (`Invoice` lists invoices and bills)
   * @returns the resources (the stored objects: treat as read-only)
   */
  list(type: OpenImisResourceType): FhirResource[] {
    return this.recordsOf(type).map((r) => r.resource);
  }

  /**
   * Reads a resource by id (exact, UUIDs case-insensitive).
   *
   * @param type - resource type
   * @param id - resource id
   * @returns the resource or undefined
   */
  get(type: OpenImisResourceType, id: string): FhirResource | undefined {
    return this.indexOf(type).get(id.toLowerCase())?.resource;
  }

  /**
   * Inserts or replaces a resource (matched by `id`) and stamps it with the clock (or `lastUpdated`).
   * A replaced resource keeps its creation position. An `Invoice` gets its openIMIS state derived from
   * `totalGross`, `lineItem` and the invoice/bill type system unless one exists already.
   *
   * @param type - resource type
   * @param resource - the resource; must have an `id`
   * @param options - `lastUpdated` to backdate the write; `invoice` to give an invoice's state explicitly
   * @returns the stored resource
   */
  put(
    type: OpenImisResourceType,
    resource: FhirResource,
    options: {
      lastUpdated?: Date;
      invoice?: Partial<Pick<InvoiceState, 'status' | 'lineItems' | 'kind' | 'subjectId'>>;
    } = {},
  ): FhirResource {
    if (resource.id === undefined || resource.id === '') {
      throw new TypeError(`${type} needs an id to be stored`);
    }
    if (resource.resourceType !== type) {
      throw new TypeError(`expected a ${type}, got ${resource.resourceType}`);
    }
    const lastUpdated = options.lastUpdated ?? this.clock();
    const key = resource.id.toLowerCase();
    const existing = this.indexOf(type).get(key);
    if (existing !== undefined) {
      this.unindexCodes(type, existing);
      existing.resource = resource;
      existing.lastUpdated = lastUpdated;
      this.indexCodes(type, existing);
    } else {
      this.seq += 1;
      const record: StoredRecord = {
        resource,
        lastUpdated,
        seq: this.seq,
        numericId: this.recordsOf(type).length + 1,
      };
      this.recordsOf(type).push(record);
      this.indexOf(type).set(key, record);
      this.indexCodes(type, record);
    }
    if (type === 'Invoice' && !this.invoiceStates.has(key)) {
      this.invoiceStates.set(key, this.deriveInvoiceState(resource as Invoice, options.invoice));
    }
    for (const listener of this.writeListeners) {
      listener({ type, resource, created: existing === undefined });
    }
    return resource;
  }

  /**
   * Registers a listener called after every `put` (create or replace) — the hook the subscription signals use.
   *
   * @param listener - called with the written resource
   */
  onWrite(listener: (event: StoreWriteEvent) => void): void {
    this.writeListeners.push(listener);
  }

  /**
   * Marks a resource as updated now (bumps its `_lastUpdated` time) without changing it.
   *
   * @param type - resource type
   * @param id - resource id
   * @param at - time to stamp; default the simulator clock
   */
  touch(type: OpenImisResourceType, id: string, at?: Date): void {
    const record = this.indexOf(type).get(id.toLowerCase());
    if (record === undefined) {
      throw new RangeError(`no ${type} with id ${id}`);
    }
    record.lastUpdated = at ?? this.clock();
  }

  /**
   * The time `_lastUpdated` compares for a resource.
   *
   * @param type - resource type
   * @param id - resource id
   * @returns the time or undefined
   */
  lastUpdated(type: OpenImisResourceType, id: string): Date | undefined {
    return this.indexOf(type).get(id.toLowerCase())?.lastUpdated;
  }

  /**
   * Resolves the ids openIMIS accepts in a read path: the id (UUID), a business code (CHF id, head CHF id,
   * claim code, HF code, invoice code) and, for invoices, the numeric database id.
   *
   * @param type - resource type
   * @param key - id, code or numeric id
   * @returns the resource or undefined
   */
  resolve(type: OpenImisResourceType, key: string): FhirResource | undefined {
    return this.resolveRecord(type, key)?.resource;
  }

  /**
   * Like {@link resolve}, with the record's metadata.
   *
   * @param type - resource type
   * @param key - id, code or numeric id
   * @returns the record or undefined
   * @internal
   */
  resolveRecord(type: OpenImisResourceType, key: string): Readonly<StoredRecord> | undefined {
    const byId = this.indexOf(type).get(key.toLowerCase());
    if (byId !== undefined) {
      return byId;
    }
    if (type === 'PaymentNotice') {
      return undefined;
    }
    const byCode = this.byCodeOf(type).get(key);
    if (byCode !== undefined) {
      return byCode;
    }
    if (type === 'Invoice' && /^[0-9]+$/.test(key)) {
      return this.recordsOf(type).find((r) => String(r.numericId) === key);
    }
    return undefined;
  }

  /**
   * Records of a type in creation order, with their metadata.
   *
   * @param type - resource type
   * @returns the records
   * @internal
   */
  recordsOf(type: OpenImisResourceType): StoredRecord[] {
    const list = this.records.get(type);
    if (list === undefined) {
      throw new RangeError(`unknown resource type ${type}`);
    }
    return list;
  }

  /**
   * The openIMIS state (real status, totals, line items) of an invoice or bill.
   *
   * @param id - invoice/bill UUID
   * @returns the state or undefined
   */
  invoice(id: string): InvoiceState | undefined {
    return this.invoiceStates.get(id.toLowerCase());
  }

  /**
   * All invoices and bills with their openIMIS state, in creation order.
   *
   * @returns the states
   */
  invoices(): InvoiceState[] {
    return [...this.invoiceStates.values()];
  }

  /**
   * Changes an invoice's real status (as an openIMIS service would) and bumps its `date_updated`.
   *
   * @param id - invoice/bill UUID
   * @param status - new status code
   */
  setInvoiceStatus(id: string, status: InvoiceStatusCode): void {
    const state = this.invoice(id);
    if (state === undefined) {
      throw new RangeError(`no invoice or bill with id ${id}`);
    }
    state.status = status;
    this.touch('Invoice', id);
  }

  /**
   * Every payment recorded through `POST PaymentNotice/`, duplicates included, in arrival order.
   *
   * @returns the payments
   */
  paymentNotices(): StoredPayment[] {
    return [...this.payments];
  }

  /**
   * Stores a payment and its PaymentNotice view.
   *
   * @param payment - the payment
   * @internal
   */
  addPayment(payment: StoredPayment): void {
    this.payments.push(payment);
    this.put('PaymentNotice', payment.resource);
  }

  /**
   * Adds or replaces a policy.
   *
   * @param policy - the policy
   */
  putPolicy(policy: PolicyState): void {
    this.policyStates.set(policy.uuid.toLowerCase(), policy);
  }

  /**
   * A policy by UUID.
   *
   * @param uuid - policy UUID
   * @returns the policy or undefined
   */
  policy(uuid: string): PolicyState | undefined {
    return this.policyStates.get(uuid.toLowerCase());
  }

  /**
   * All policies.
   *
   * @returns the policies
   */
  policies(): PolicyState[] {
    return [...this.policyStates.values()];
  }

  /**
   * Premiums recorded by `createPremium` mutations that have run.
   *
   * @returns the premiums
   */
  premiums(): StoredPremium[] {
    this.settleMutations();
    return [...this.premiumList];
  }

  /**
   * Records a premium and activates the policy when the premiums cover its value (or on `ENFORCE`).
   *
   * @param premium - the premium
   * @param action - `ENFORCE`, `SUSPEND`, `WAIT` or undefined
   * @internal
   */
  addPremium(premium: StoredPremium, action: string | undefined): void {
    this.premiumList.push(premium);
    const policy = this.policy(premium.policyUuid);
    if (policy === undefined) {
      return;
    }
    const paid = this.premiumList
      .filter((p) => p.policyUuid.toLowerCase() === policy.uuid.toLowerCase() && !p.isPhotoFee)
      .reduce((sum, p) => sum.plus(p.amount), new Decimal(0));
    if (action === 'SUSPEND') {
      policy.status = POLICY_STATUS.suspended;
    } else if (action === 'ENFORCE' || paid.greaterThanOrEqualTo(policy.value)) {
      policy.status = POLICY_STATUS.active;
      this.markFamilyActive(policy.familyId);
    }
  }

  /**
   * Mutation log entries, after running every mutation whose delay has passed.
   *
   * @returns the entries in creation order
   */
  mutationLogs(): MutationLogEntry[] {
    this.settleMutations();
    return [...this.logs];
  }

  /**
   * Adds a mutation log entry.
   *
   * @param entry - the entry (status 0)
   * @internal
   */
  addMutationLog(entry: MutationLogEntry): void {
    this.logs.push(entry);
  }

  /**
   * Runs the mutations whose delay has passed (openIMIS runs them asynchronously after answering).
   *
   * @internal
   */
  settleMutations(): void {
    // A running mutation may read the store (and so call back here): run each one once, in order.
    if (this.settling) {
      return;
    }
    this.settling = true;
    try {
      const now = Date.now();
      for (const log of this.logs) {
        if (log.status === 0 && log.readyAt <= now) {
          const error = log.run();
          log.status = error === null ? 2 : 1;
          log.error = error;
        }
      }
    } finally {
      this.settling = false;
    }
  }

  private markFamilyActive(familyId: string): void {
    const group = this.get('Group', familyId);
    if (group !== undefined && group.resourceType === 'Group' && group.active !== true) {
      this.put('Group', { ...group, active: true });
    }
  }

  private deriveInvoiceState(
    invoice: Invoice,
    given: Partial<Pick<InvoiceState, 'status' | 'lineItems' | 'kind' | 'subjectId'>> | undefined,
  ): InvoiceState {
    const recipient = invoice.recipient?.reference ?? '';
    const recipientId = recipient.includes('/') ? (recipient.split('/').pop() ?? null) : null;
    const id = invoice.id ?? '';
    const system = invoice.type?.coding?.[0]?.system ?? '';
    const kind = given?.kind ?? (/bill-type$/.test(system) ? 'bill' : 'invoice');
    const currency = invoice.totalGross?.currency ?? invoice.totalNet?.currency ?? 'USD';
    const lineItems =
      given?.lineItems ??
      (invoice.lineItem ?? []).map((line, i) => {
        const amount = (line.priceComponent ?? []).reduce(
          (sum, pc) =>
            pc.type === 'base' || pc.type === 'surcharge' || pc.type === 'tax'
              ? sum.plus(String(pc.amount?.value ?? 0))
              : sum.minus(String(pc.amount?.value ?? 0)),
          new Decimal(0),
        );
        return {
          lineId: uuidFromName(`line:${id}:${i}`),
          lineTypeName: kind === 'bill' ? 'claim' : 'policy',
          amountTotal: amount.toFixed(2),
        };
      });
    return {
      id,
      numericId: this.recordsOf('Invoice').length,
      code: identifierValues(invoice.identifier, ['Code'])[0] ?? '',
      kind,
      status: given?.status ?? INVOICE_STATUS.validated,
      currency,
      amountTotal: new Decimal(String(invoice.totalGross?.value ?? 0)).toFixed(2),
      amountNet: new Decimal(String(invoice.totalNet?.value ?? invoice.totalGross?.value ?? 0)).toFixed(2),
      lineItems,
      datePayed: null,
      // Older payloads (the invoice fixture) name the family itself as recipient.
      subjectId: given?.subjectId ?? (recipient.startsWith('Group/') ? recipientId : null),
      thirdpartyId: recipientId,
    };
  }

  private indexOf(type: OpenImisResourceType): Map<string, StoredRecord> {
    const map = this.index.get(type);
    if (map === undefined) {
      throw new RangeError(`unknown resource type ${type}`);
    }
    return map;
  }

  private byCodeOf(type: OpenImisResourceType): Map<string, StoredRecord> {
    const map = this.byCode.get(type);
    if (map === undefined) {
      throw new RangeError(`unknown resource type ${type}`);
    }
    return map;
  }

  private codesOf(record: StoredRecord): string[] {
    const resource = record.resource as FhirResource & {
      identifier?: Parameters<typeof identifierValues>[0];
    };
    return identifierValues(resource.identifier, BUSINESS_CODE_TYPES);
  }

  private indexCodes(type: OpenImisResourceType, record: StoredRecord): void {
    for (const code of this.codesOf(record)) {
      if (!this.byCodeOf(type).has(code)) {
        this.byCodeOf(type).set(code, record);
      }
    }
  }

  private unindexCodes(type: OpenImisResourceType, record: StoredRecord): void {
    for (const code of this.codesOf(record)) {
      if (this.byCodeOf(type).get(code) === record) {
        this.byCodeOf(type).delete(code);
      }
    }
  }
}

export { isUuidLike };
