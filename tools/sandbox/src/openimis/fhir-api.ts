/**
 * Read and search handlers of the simulated `api_fhir_r4` endpoints (reference §3, §4): searchset Bundles with
 * DRF paging and `quote_plus`-encoded links, per-resource filters, and the read-instead-of-search quirks.
 */
import type { Bundle, FhirResource } from 'fhir/r4';
import { BUSINESS_CODE_TYPES, identifierValues } from './fhir-shapes';
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
import { epochSeconds, type OpenImisResourceType, type OpenImisStore } from './store';

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

type WithIdentifier = FhirResource & { identifier?: Parameters<typeof identifierValues>[0] };

const uuidOf = (r: FhirResource): string => (r.id ?? '').toLowerCase();
const codesOf = (r: FhirResource): string[] =>
  identifierValues((r as WithIdentifier).identifier, BUSINESS_CODE_TYPES);

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

function identifierFilter(value: string): RecordFilter {
  const lower = value.toLowerCase();
  return (r) => uuidOf(r) === lower || codesOf(r).includes(value);
}

function typeFilters(ctx: FhirRequestContext): RecordFilter[] {
  const filters: RecordFilter[] = [];
  const q = (key: string): string | undefined => lastValue(ctx.query, key);
  switch (ctx.type) {
    case 'Patient':
    case 'Group':
    case 'Claim': {
      const id = q('identifier');
      if (id !== undefined) {
        filters.push(identifierFilter(id));
      }
      const patient = q('patient');
      if (ctx.type === 'Claim' && patient !== undefined) {
        const wanted = patient.toLowerCase();
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
      if (kind === 'invoice' || kind === 'bill') {
        filters.push((r) => ctx.store.invoice(r.id ?? '')?.kind === kind);
      }
      break;
    }
    case 'Organization': {
      const orgType = q('type') ?? q('resourceType');
      if (orgType !== undefined) {
        filters.push(
          (r) =>
            r.resourceType === 'Organization' &&
            (r.type ?? []).some((t) => t.coding?.some((c) => c.code === orgType)),
        );
      }
      const code = q('code');
      if (code !== undefined) {
        filters.push((r) => codesOf(r).includes(code));
      }
      break;
    }
    case 'ClaimResponse':
    case 'PaymentNotice':
      break;
  }
  return filters;
}

/**
 * `GET <Type>/`: a searchset Bundle (or, for `Invoice/?code=` and `PaymentNotice/?identifier=`, a read).
 *
 * @param ctx - request context
 * @returns the reply
 */
export function searchResources(ctx: FhirRequestContext): SimReply {
  // Quirk (§4): these two searches are turned into a read and answer the bare resource.
  const readKey =
    ctx.type === 'Invoice'
      ? lastValue(ctx.query, 'code')
      : ctx.type === 'PaymentNotice'
        ? lastValue(ctx.query, 'identifier')
        : undefined;
  if (readKey !== undefined) {
    return readResource(ctx, readKey);
  }
  const filters = typeFilters(ctx);
  const rawLastUpdated = lastValue(ctx.query, '_lastUpdated');
  const nowSeconds = epochSeconds(ctx.now);
  if (rawLastUpdated !== undefined) {
    const parsed = parseLastUpdated(rawLastUpdated);
    if (parsed === undefined) {
      return outcomeReply(400, 'error', BAD_DATETIME_MESSAGE);
    }
    const matching = new Set<FhirResource>();
    for (const record of ctx.store.recordsOf(ctx.type)) {
      if (matchesLastUpdated(parsed, epochSeconds(record.lastUpdated), nowSeconds)) {
        matching.add(record.resource);
      }
    }
    filters.push((r) => matching.has(r));
  }
  const hits = ctx.store.list(ctx.type).filter((r) => filters.every((f) => f(r)));
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
