import { UpstreamError, type IssueDetail } from '@payment-layer/shared-errors';

/** One entry of Fineract's `errors[]` (an `ApiParameterError`), without `developerMessage`. */
export interface FineractErrorDetail {
  /** Request field the error is about, e.g. `legalFormId` or `externalId`. */
  readonly parameterName?: string;
  /** Human message, safe to show to the caller for 4xx answers. */
  readonly defaultUserMessage?: string;
  /** Specific code, e.g. `error.msg.client.duplicate.externalId`. Match on codes, never on text. */
  readonly userMessageGlobalisationCode?: string;
  /** The offending value, when Fineract reports it. */
  readonly value?: unknown;
}

/** Construction options of {@link FineractError}. */
export interface FineractErrorOptions {
  readonly upstreamStatus: number;
  /** Top-level `userMessageGlobalisationCode` (generic for 403/404, e.g. `validation.msg.domain.rule.violation`). */
  readonly userMessageGlobalisationCode?: string;
  readonly errors?: readonly FineractErrorDetail[];
  /** Fineract answered from its idempotency store (`x-served-from-cache: true`). */
  readonly servedFromCache?: boolean;
  /** Key the failing request carried, if it was a write. */
  readonly idempotencyKey?: string;
  /** The body was Fineract's own JSON error document (not a proxy's or servlet's page). */
  readonly fromFineract?: boolean;
  readonly cause?: unknown;
}

/**
 * Fineract answered with an error status. 4xx (it rejected what we sent) → our 422, not retryable; 5xx, 409 and 425
 * → 502, retryable. `developerMessage` is never kept: on 5xx it can carry stack or SQL details.
 *
 * @see ../../../../docs/contracts/fineract.md §3
 */
export class FineractError extends UpstreamError {
  override readonly code: string = 'fineract';
  /** Top-level code, e.g. `validation.msg.validation.errors.exist`. */
  readonly userMessageGlobalisationCode: string | undefined;
  /** The specific code: `errors[0].userMessageGlobalisationCode` (the real reason for 403/404), else the top-level one. */
  readonly errorCode: string | undefined;
  /** Field-level details (`parameterName`, `defaultUserMessage`, code); empty for 5xx and non-JSON answers. */
  readonly errors: readonly FineractErrorDetail[];
  readonly servedFromCache: boolean;
  readonly idempotencyKey: string | undefined;
  /**
   * The answer was Fineract's own JSON error document. A 5xx without it came from a proxy or gateway, so a write may
   * still have reached Fineract (outcome unknown).
   */
  readonly fromFineract: boolean;

  constructor(message: string, options: FineractErrorOptions) {
    const errors = options.errors ?? [];
    const errorCode = errors[0]?.userMessageGlobalisationCode ?? options.userMessageGlobalisationCode;
    const issues: IssueDetail[] = errors.map((e) => ({
      message: e.defaultUserMessage ?? e.userMessageGlobalisationCode ?? 'invalid',
      ...(e.parameterName ? { location: e.parameterName } : {}),
    }));
    super('fineract', message, {
      upstreamStatus: options.upstreamStatus,
      ...(errorCode !== undefined ? { upstreamCode: errorCode } : {}),
      issues,
      cause: options.cause,
    });
    this.userMessageGlobalisationCode = options.userMessageGlobalisationCode;
    this.errorCode = errorCode;
    this.errors = errors;
    this.servedFromCache = options.servedFromCache ?? false;
    this.idempotencyKey = options.idempotencyKey;
    this.fromFineract = options.fromFineract ?? false;
  }

  /** Every code of this error: top level and each detail. */
  get codes(): string[] {
    const out: string[] = [];
    for (const c of [
      this.userMessageGlobalisationCode,
      ...this.errors.map((e) => e.userMessageGlobalisationCode),
    ]) {
      if (c !== undefined && !out.includes(c)) {
        out.push(c);
      }
    }
    return out;
  }
}

const MAX_TEXT = 200;

/**
 * Builds a {@link FineractError} from an error answer: the JSON `ApiGlobalErrorResponse`, or the plain-text servlet
 * errors that the tenant filter sends (missing/unknown tenant → 400, not JSON).
 *
 * @param status - HTTP status
 * @param headers - response headers (lower-case names)
 * @param text - response body
 * @param idempotencyKey - key of the request, if any
 * @returns the typed error
 * @see ../../../../docs/contracts/fineract.md §3
 */
export function parseFineractError(
  status: number,
  headers: Readonly<Record<string, string>>,
  text: string,
  idempotencyKey?: string,
): FineractError {
  const servedFromCache = isServedFromCache(headers);
  const common = {
    upstreamStatus: status,
    servedFromCache,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  };
  const json = tryParseObject(text);
  const serverSide = status >= 500;
  if (!json) {
    // Servlet-filter errors (bad tenant) are plain text or HTML; keep a short, tag-free excerpt for 4xx only.
    const excerpt = serverSide ? '' : plainExcerpt(text);
    return new FineractError(`Fineract answered ${status}${excerpt ? `: ${excerpt}` : ''}`, {
      ...common,
      fromFineract: servedFromCache,
    });
  }
  const topCode = stringOrUndefined(json['userMessageGlobalisationCode']);
  const errors = serverSide ? [] : parseDetails(json['errors']);
  const first = errors[0];
  const userMessage = serverSide
    ? undefined
    : (first?.defaultUserMessage ?? stringOrUndefined(json['defaultUserMessage']));
  const code = first?.userMessageGlobalisationCode ?? topCode;
  const message = serverSide
    ? `Fineract failed with ${status}${topCode ? ` (${topCode})` : ''}`
    : `Fineract rejected the request (${status}${code ? ` ${code}` : ''})${userMessage ? `: ${userMessage}` : ''}`;
  const fromFineract =
    servedFromCache ||
    topCode !== undefined ||
    json['httpStatusCode'] !== undefined ||
    Array.isArray(json['errors']);
  return new FineractError(message, {
    ...common,
    fromFineract,
    ...(topCode !== undefined ? { userMessageGlobalisationCode: topCode } : {}),
    errors,
  });
}

/**
 * Whether an error means "this externalId (or other unique field) already exists": Fineract answers 403 (not 409)
 * with a code such as `error.msg.client.duplicate.externalId` or `error.msg.group.duplicate.externalId`.
 * Upsert code treats it as "exists — read it back".
 *
 * @param err - anything thrown
 * @param field - the unique field (default `externalId`)
 * @returns true for a duplicate-key rejection on that field
 */
export function isDuplicateError(err: unknown, field = 'externalId'): err is FineractError {
  if (!(err instanceof FineractError) || err.upstreamStatus !== 403) {
    return false;
  }
  const suffix = `.duplicate.${field}`;
  return err.codes.some((c) => c.endsWith(suffix));
}

/**
 * Whether an error is Fineract's "not found" (404).
 *
 * @param err - anything thrown
 * @returns true for a 404 answer
 */
export function isNotFoundError(err: unknown): err is FineractError {
  return err instanceof FineractError && err.upstreamStatus === 404;
}

/**
 * Whether the answer came from Fineract's idempotency store.
 *
 * @param headers - response headers (lower-case names)
 * @returns true when `x-served-from-cache: true`
 */
export function isServedFromCache(headers: Readonly<Record<string, string>>): boolean {
  return (headers['x-served-from-cache'] ?? '').trim().toLowerCase() === 'true';
}

function parseDetails(value: unknown): FineractErrorDetail[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.flatMap((e: unknown) => {
    if (e === null || typeof e !== 'object') {
      return [];
    }
    const r = e as Record<string, unknown>;
    const parameterName = stringOrUndefined(r['parameterName']);
    const defaultUserMessage = stringOrUndefined(r['defaultUserMessage']);
    const code = stringOrUndefined(r['userMessageGlobalisationCode']);
    return [
      {
        ...(parameterName !== undefined ? { parameterName } : {}),
        ...(defaultUserMessage !== undefined ? { defaultUserMessage } : {}),
        ...(code !== undefined ? { userMessageGlobalisationCode: code } : {}),
        ...(r['value'] !== undefined && r['value'] !== null ? { value: r['value'] } : {}),
      },
    ];
  });
}

function tryParseObject(text: string): Record<string, unknown> | undefined {
  const t = text.trimStart();
  if (!t.startsWith('{')) {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function plainExcerpt(text: string): string {
  const flat = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT)}…` : flat;
}

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
