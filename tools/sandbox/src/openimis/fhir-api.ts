/**
 * Read and search handlers of the simulated `api_fhir_r4` endpoints (reference §3, §4): searchset Bundles with
 * DRF paging and `quote_plus`-encoded links, per-resource filters, and the read-instead-of-search quirks.
 */
import type { Bundle, FhirResource } from 'fhir/r4';
import { outcomeReply, type SimReply } from './http-util';
import {
  BAD_DATETIME_MESSAGE,
  lastValue,
  matchesLastUpdated,
  parseLastUpdated,
  quotePlus,
  replaceQueryParam,
  selectPage,
  type QueryPairs,
} from './search';
import { isUuidLike, type OpenImisResourceType, type OpenImisStore } from './store';

/** What a read/search handler needs to know about the request. */
export interface FhirRequestContext {
  readonly store: OpenImisStore;
  readonly type: OpenImisResourceType;
  readonly query: QueryPairs;
  /** `scheme://host/path` of the request, without query string (Django `build_absolute_uri` minus query). */
  readonly absolutePath: string;
  /** The request URL as received: `scheme://host/path?query`. */
  readonly absoluteUrl: string;
  readonly now: Date;
}

const uuidOf = (r: FhirResource): string => (r.id ?? '').toLowerCase();

/**
 * `GET <Type>/<id>/`: the bare resource, looked up by every id form openIMIS accepts for the type.
 *
 * @param ctx - request context
 * @param id - path id
 * @returns 200 with the resource or 404
 */
export function readResource(ctx: FhirRequestContext, id: string): SimReply {
  const resource = ctx.store.resolve(ctx.type, id);
  if (resource === undefined) {
    return outcomeReply(404, 'error');
  }
  return { status: 200, body: resource };
}

/** A search filter on one record; returns false to drop the record. */
type RecordFilter = (resource: FhirResource) => boolean;

/** Parameters that turn a search into a read (`list()` calls `retrieve()`), per type (§4 and the views). */
const READ_PARAMS: Partial<Record<OpenImisResourceType, string>> = {
  Patient: 'identifier',
  Group: 'identifier',
  Claim: 'identifier',
  PaymentNotice: 'identifier',
  Invoice: 'code',
  Organization: 'code',
};

const DATE_ONLY = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

/** Python `strptime(value, "%Y-%m-%d")` as epoch ms (local midnight = UTC here), or undefined. */
function parseDateOnly(value: string): number | undefined {
  const m = DATE_ONLY.exec(value);
  if (m === null) {
    return undefined;
  }
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(ms);
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? ms : undefined;
}

type FilterResult = { ok: true; filters: RecordFilter[] } | { ok: false; reply: SimReply };

function typeFilters(ctx: FhirRequestContext): FilterResult {
  const filters: RecordFilter[] = [];
  const q = (key: string): string | undefined => lastValue(ctx.query, key);
  const updatedMs = (r: FhirResource): number => ctx.store.lastUpdated(ctx.type, r.id ?? '')?.getTime() ?? 0;
  switch (ctx.type) {
    case 'Patient': {
      const refDate = q('refDate');
      const refMs = refDate === undefined ? undefined : parseDateOnly(refDate);
      // An unparsable refDate is silently ignored by the insuree view.
      if (refMs !== undefined) {
        filters.push((r) => updatedMs(r) >= refMs);
      }
      const claimDate = q('claimDateFrom');
      if (claimDate !== undefined) {
        const claimMs = parseDateOnly(claimDate);
        if (claimMs === undefined) {
          return {
            ok: false,
            reply: outcomeReply(400, 'error', 'claimDateFrom should be in dd-mm-yyyy format'),
          };
        }
        const withClaims = new Set<string>();
        for (const claim of ctx.store.list('Claim')) {
          const created =
            claim.resourceType === 'Claim' ? parseDateOnly(claim.created.slice(0, 10)) : undefined;
          if (claim.resourceType === 'Claim' && created !== undefined && created >= claimMs) {
            withClaims.add((claim.patient.reference ?? '').split('/').pop()?.toLowerCase() ?? '');
          }
        }
        filters.push((r) => withClaims.has(uuidOf(r)));
      }
      break;
    }
    case 'Claim': {
      const refDate = q('refDate');
      if (refDate !== undefined) {
        const refMs = parseDateOnly(refDate);
        if (refMs === undefined) {
          return {
            ok: false,
            reply: outcomeReply(400, 'fatal', 'Invalid date format, should be in "%Y-%m-%d" format'),
          };
        }
        filters.push((r) => updatedMs(r) >= refMs);
      }
      const patient = q('patient');
      if (patient !== undefined) {
        // Insuree.objects.get(uuid=…): an unknown insuree is an unhandled DoesNotExist, i.e. a 500.
        const insuree = isUuidLike(patient) ? ctx.store.get('Patient', patient) : undefined;
        if (insuree === undefined) {
          return { ok: false, reply: outcomeReply(500, 'error', 'Insuree matching query does not exist.') };
        }
        const wanted = uuidOf(insuree);
        filters.push(
          (r) =>
            r.resourceType === 'Claim' &&
            (r.patient.reference ?? '').split('/').pop()?.toLowerCase() === wanted,
        );
      }
      break;
    }
    case 'Invoice': {
      const kind = q('resourceType')?.toLowerCase();
      if (kind !== undefined) {
        filters.push((r) => ctx.store.invoice(r.id ?? '')?.kind === kind);
      }
      break;
    }
    case 'Organization': {
      const orgType = q('type')?.toLowerCase();
      if (orgType !== undefined) {
        filters.push((r) => orgTypeOf(r) === orgType);
      }
      break;
    }
    case 'Group':
    case 'ClaimResponse':
    case 'PaymentNotice':
    case 'Subscription':
      break;
  }
  return { ok: true, filters };
}

const orgTypeOf = (r: FhirResource): string =>
  r.resourceType === 'Organization' ? (r.type?.[0]?.coding?.[0]?.code ?? '') : '';

/**
 * The list order of each view: versioned legacy entities by `validity_from` (= last update, so an updated row moves
 * to the end), invoices then bills and payments by `date_created`, organisations as health facilities, then policy
 * holders, then insurers.
 */
function orderRecords(
  ctx: FhirRequestContext,
  records: readonly { resource: FhirResource; lastUpdated: Date; seq: number }[],
): FhirResource[] {
  const list = [...records];
  const byUpdate = (a: (typeof list)[number], b: (typeof list)[number]): number =>
    a.lastUpdated.getTime() - b.lastUpdated.getTime() || a.seq - b.seq;
  switch (ctx.type) {
    case 'Patient':
    case 'Group':
    case 'Claim':
    case 'ClaimResponse':
      list.sort(byUpdate);
      break;
    case 'Organization': {
      const rank = (r: FhirResource): number => ({ prov: 0, bus: 1, ins: 2 })[orgTypeOf(r)] ?? 0;
      list.sort(
        (a, b) =>
          rank(a.resource) - rank(b.resource) || (rank(a.resource) === 0 ? byUpdate(a, b) : a.seq - b.seq),
      );
      break;
    }
    case 'Invoice': {
      const rank = (r: FhirResource): number => (ctx.store.invoice(r.id ?? '')?.kind === 'bill' ? 1 : 0);
      list.sort((a, b) => rank(a.resource) - rank(b.resource) || a.seq - b.seq);
      break;
    }
    case 'PaymentNotice':
    case 'Subscription':
      list.sort((a, b) => a.seq - b.seq);
      break;
  }
  return list.map((r) => r.resource);
}

/**
 * `GET <Type>/`: a searchset Bundle — or the bare resource when the view turns the search into a read
 * (`identifier` on Patient, Group, Claim, PaymentNotice; `code` on Invoice and Organization).
 *
 * @param ctx - request context
 * @returns the reply
 */
export function searchResources(ctx: FhirRequestContext): SimReply {
  const readParam = READ_PARAMS[ctx.type];
  const readKey = readParam === undefined ? undefined : lastValue(ctx.query, readParam);
  // Claim tests `is not None`; the other views test truthiness (an empty value lists).
  if (readKey !== undefined && (readKey !== '' || ctx.type === 'Claim')) {
    return readResource(ctx, readKey);
  }
  const typed = typeFilters(ctx);
  if (!typed.ok) {
    return typed.reply;
  }
  let records = ctx.store.recordsOf(ctx.type) as readonly {
    resource: FhirResource;
    lastUpdated: Date;
    seq: number;
  }[];
  const rawLastUpdated = lastValue(ctx.query, '_lastUpdated');
  if (rawLastUpdated !== undefined) {
    const parsed = parseLastUpdated(rawLastUpdated);
    if (parsed === undefined) {
      return outcomeReply(400, 'error', BAD_DATETIME_MESSAGE);
    }
    const nowMs = ctx.now.getTime();
    // The insurer comes from module config: with no config row, the default one is listed whatever the filter.
    records = records.filter(
      (r) => matchesLastUpdated(parsed, r.lastUpdated.getTime(), nowMs) || orgTypeOf(r.resource) === 'ins',
    );
  }
  const hits = orderRecords(ctx, records).filter((r) => typed.filters.every((f) => f(r)));
  const page = selectPage(ctx.query, hits.length);
  if (!page.ok) {
    return outcomeReply(404, 'fatal', page.message);
  }
  const start = (page.page - 1) * page.pageSize;
  const slice = hits.slice(start, start + page.pageSize);
  const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: quotePlus(ctx.absoluteUrl) }];
  const withQuery = (qs: string): string => (qs === '' ? ctx.absolutePath : `${ctx.absolutePath}?${qs}`);
  if (page.page < page.pageCount) {
    link.push({
      relation: 'next',
      url: quotePlus(withQuery(replaceQueryParam(ctx.query, 'page-offset', String(page.page + 1)))),
    });
  }
  if (page.page > 1) {
    // DRF drops the page parameter for the first page.
    const previous = page.page - 1 === 1 ? undefined : String(page.page - 1);
    link.push({
      relation: 'previous',
      url: quotePlus(withQuery(replaceQueryParam(ctx.query, 'page-offset', previous))),
    });
  }
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: hits.length,
    link,
    entry: slice.map((resource) => ({ fullUrl: `${ctx.absolutePath}${resource.id ?? ''}`, resource })),
  };
  return { status: 200, body: bundle };
}
