import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { LogCapture } from './capture';
import { casesFor, type FuzzCase, type FuzzCredentials, type FuzzRoute } from './cases';
import { auditText, snapshotState, stateChanges, type StateSources } from './state';

/** The app under test and what it must never leak. */
export interface FuzzTarget {
  /** Shown in reports, e.g. `insuree-mediator`. */
  readonly name: string;
  /** The app (a getter: a harness may rebuild it). */
  readonly app: () => FastifyInstance;
  readonly routes: readonly FuzzRoute[];
  readonly credentials: FuzzCredentials;
  readonly state: StateSources;
  /** The app's log lines. */
  readonly logs: LogCapture;
  /** Credentials that must never appear in logs or the audit trail (route password, hook secret, upstream passwords). */
  readonly secrets: readonly string[];
  /** Personal data the seeds carry (names, phone numbers, identifiers) that must never be logged. */
  readonly personal: readonly string[];
}

/** Options of {@link runBadInputFuzz}. */
export interface FuzzOptions {
  /** Number of generated cases. */
  readonly runs: number;
  /** fast-check seed; a failure names it so the run can be repeated. */
  readonly seed: number;
  /** Directory to write `<target>.json` with the report to (optional). */
  readonly reportDir?: string;
}

/** What a run saw. */
export interface FuzzReport {
  readonly target: string;
  readonly seed: number;
  cases: number;
  readonly byStatus: Record<string, number>;
  readonly byKind: Record<string, number>;
  readonly byRoute: Record<string, number>;
  /** 4xx answers after which the simulators or the staging tables had changed (must stay 0). */
  stateChangesOn4xx: number;
  /** 4xx answers (Fineract's 4xx → 422) after which Fineract kept a record of the refused command. */
  fineractRefusalsRecorded: number;
  /** Log lines or audit rows holding a credential or a JWT (must stay 0). */
  secretsFound: number;
  /** Log lines or audit rows holding personal data of a request (must stay 0). */
  personalDataFound: number;
  /** 400s on a field case whose OperationOutcome named that field (or an element on its path). */
  fieldNamed: number;
  /** 400s on a field case whose OperationOutcome named another element. */
  fieldNotNamed: number;
  readonly violations: string[];
}

/** A JWT: three base64url parts, the first a JSON header. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;

interface Outcome {
  resourceType?: string;
  issue?: { expression?: string[]; diagnostics?: string }[];
}

/** The FHIR body of an answer, unwrapped from the json+openhim envelope when there is one. */
function answerBody(text: string): unknown {
  try {
    const parsed = JSON.parse(text) as { response?: { body?: unknown } };
    if (parsed.response && typeof parsed.response.body === 'string') {
      return JSON.parse(parsed.response.body) as unknown;
    }
    return parsed;
  } catch {
    return undefined;
  }
}

/** `Patient.name[0].family` → `name[0].family`; `Bundle.entry[0]` → `entry[0]`. */
function withoutType(expression: string): string {
  return expression.replace(/^[A-Z][A-Za-z]*(\.|$)/, '');
}

function namesField(outcome: Outcome, field: string): boolean {
  return (outcome.issue ?? []).some((issue) =>
    (issue.expression ?? []).some((e) => {
      const loc = withoutType(e);
      return loc === '' ? false : field === loc || field.startsWith(loc) || loc.startsWith(field);
    }),
  );
}

function leaks(text: string, needles: readonly string[]): string[] {
  return needles.filter((n) => n.length > 0 && text.includes(n));
}

/**
 * Runs generated bad requests against the app and checks, for each: no answer ≥ 500; after a 4xx nothing changed
 * (Fineract simulator, openIMIS simulator, every staging table's row count); a 4xx body is an OperationOutcome,
 * which for a 400 on a made-bad field names that field; and the request's log lines hold no credential, no JWT and
 * no personal data. The audit trail is checked likewise at the end.
 *
 * @param target - app, routes, state sources, logs and what must not leak
 * @param options - number of cases and seed
 * @returns the report (the run throws, naming seed and case, on the first violation)
 */
export async function runBadInputFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = {
    target: target.name,
    seed: options.seed,
    cases: 0,
    byStatus: {},
    byKind: {},
    byRoute: {},
    stateChangesOn4xx: 0,
    fineractRefusalsRecorded: 0,
    secretsFound: 0,
    personalDataFound: 0,
    fieldNamed: 0,
    fieldNotNamed: 0,
    violations: [],
  };
  const count = (m: Record<string, number>, k: string): void => {
    m[k] = (m[k] ?? 0) + 1;
  };
  const violation = (c: FuzzCase, status: number, what: string): Error => {
    const text = `${c.route.name} [${c.kind}] ${c.label}: ${what} (status ${status}, seed ${options.seed})`;
    report.violations.push(text);
    return new Error(text);
  };

  const check = async (c: FuzzCase): Promise<void> => {
    const before = snapshotState(target.state);
    target.logs.takeNew();
    const res = await target.app().inject({
      method: c.method as 'GET',
      url: c.url,
      headers: c.headers,
      ...(c.payload !== undefined ? { payload: c.payload } : {}),
    });
    const status = res.statusCode;
    report.cases++;
    count(report.byStatus, String(status));
    count(report.byKind, c.kind);
    count(report.byRoute, c.route.name);
    if (status >= 500) {
      throw violation(c, status, `server error: ${res.body.slice(0, 300)}`);
    }
    if (status >= 400) {
      const after = snapshotState(target.state);
      if (after.fineractRejectedCommands > before.fineractRejectedCommands) {
        report.fineractRefusalsRecorded++;
      }
      const changed = stateChanges(before, after);
      if (changed.length > 0) {
        report.stateChangesOn4xx++;
        throw violation(c, status, `state changed on a ${status}: ${changed.join(', ')}`);
      }
      if (c.method !== 'HEAD') {
        const outcome = answerBody(res.body) as Outcome | undefined;
        if (outcome?.resourceType !== 'OperationOutcome') {
          throw violation(c, status, `answer is not an OperationOutcome: ${res.body.slice(0, 200)}`);
        }
        if (status === 400 && c.kind === 'field' && c.field !== undefined) {
          const also = Object.entries(c.route.reportedWith ?? {})
            .filter(([prefix]) => c.field?.startsWith(prefix) === true)
            .flatMap(([, names]) => names);
          if ([c.field, ...also].some((f) => namesField(outcome, f))) {
            report.fieldNamed++;
          } else {
            report.fieldNotNamed++;
            throw violation(
              c,
              status,
              `OperationOutcome does not name ${c.field}: ${JSON.stringify(outcome.issue)}`,
            );
          }
        }
      }
    }
    const logged = target.logs.takeNew();
    const secrets = [...leaks(logged, target.secrets), ...(JWT.test(logged) ? ['a JWT'] : [])];
    if (secrets.length > 0) {
      report.secretsFound += secrets.length;
      throw violation(c, status, `log holds ${secrets.length} credential(s)`);
    }
    const personal = leaks(logged, target.personal);
    if (personal.length > 0) {
      report.personalDataFound += personal.length;
      const line = logged.split('\n').find((l) => personal.some((v) => l.includes(v))) ?? '';
      const masked = personal.reduce((l, v) => l.split(v).join('<personal>'), line);
      throw violation(c, status, `log holds personal data: ${masked.slice(0, 400)}`);
    }
  };

  const all = fc.oneof(...target.routes.map((r) => casesFor(r, target.credentials)));
  try {
    await fc.assert(fc.asyncProperty(all, check), {
      numRuns: options.runs,
      seed: options.seed,
      // Shrinking replays many requests against state the failing one may have left; the first report is clearer.
      endOnFailure: true,
    });
    const audit = auditText(target.state.staging);
    const inAudit = [...leaks(audit, target.secrets), ...(JWT.test(audit) ? ['a JWT'] : [])];
    report.secretsFound += inAudit.length;
    const personalInAudit = leaks(audit, target.personal);
    report.personalDataFound += personalInAudit.length;
    if (inAudit.length + personalInAudit.length > 0) {
      report.violations.push(
        `audit trail holds ${inAudit.length} credential(s), personal data: ${personalInAudit.join(', ')}`,
      );
    }
  } finally {
    if (options.reportDir !== undefined) {
      mkdirSync(options.reportDir, { recursive: true });
      writeFileSync(join(options.reportDir, `${target.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    }
  }
  return report;
}

/**
 * Run settings from the environment of a test run: `FUZZ_RUNS` (default `defaultRuns`), `FUZZ_SEED` (default a
 * fixed seed, so `npm test` is repeatable) and `FUZZ_REPORT_DIR`.
 *
 * @param env - `process.env`
 * @param defaultRuns - cases when FUZZ_RUNS is not set
 * @returns the options
 */
export function fuzzOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  defaultRuns: number,
): FuzzOptions {
  const runs = Number(env.FUZZ_RUNS ?? defaultRuns);
  const seed = Number(env.FUZZ_SEED ?? DEFAULT_SEED);
  if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
    throw new Error('FUZZ_RUNS must be a positive integer and FUZZ_SEED an integer');
  }
  return { runs, seed, ...(env.FUZZ_REPORT_DIR ? { reportDir: env.FUZZ_REPORT_DIR } : {}) };
}

/** The seed of `npm test` runs. */
export const DEFAULT_SEED = 20261204;
