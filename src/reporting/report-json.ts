/**
 * The `report` output and input: what a deploy that ran without a token hands
 * to a later job (command: report) that posts the pull request comment and the
 * GitHub Deployment. That job trusts nothing in it: pull-request code ran in the
 * job that wrote it and could have rewritten the step's output file. So every
 * key is known, typed and bounded, the stage must be the one the report job's
 * own event names, and the URL must be one the action itself makes. Secrets
 * are redacted before the JSON is made. Pure.
 */
import type { DeployReport, SmokeResult } from '../model/outcome.js';
import { Inputs } from '../settings/names.js';
import { cutText, redact } from '../util/redact.js';
import { reportUrlProblem } from './report-url.js';

/** What a report job posts: a deploy's outcome, or a deploy that threw before it had one. */
export type ReportPayload =
  | { kind: 'deploy'; outcome: DeployReport; logsOmitted: boolean }
  | { kind: 'error'; project: string; stage: string; message: string; steps: string[] };

/** The largest `report` accepted: a job output's JSON, well under GitHub's 65,536-character comment. */
export const MAX_REPORT_CHARS = 60_000;
const TEXT = 4_000;
const LOGS = 30_000;
const ID = 128;
/** A deploy's notes (keep-warm, provisioned concurrency cost): a few short lines. */
const NOTES = { max: 20, items: 1_000 };

type Spec =
  | { type: 'string'; max: number; pattern?: RegExp; form?: string }
  | { type: 'int' }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list'; max: number; items: number }
  | { type: 'object'; fields: Fields };
type Fields = Record<string, Spec & { optional?: boolean }>;

const STAGE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const PROJECT = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;
const VERSION = /^(?:\d{1,10}|\$LATEST)?$/;
const str = (max: number, pattern?: RegExp, form?: string): Spec => ({ type: 'string', max, pattern, form });

const SMOKE: Fields = {
  status: { type: 'enum', values: ['passed', 'failed', 'skipped'] },
  target: str(2_048),
  attempts: { type: 'int' },
  lastStatus: { type: 'int', optional: true },
  bodyExcerpt: { ...str(TEXT), optional: true },
  detail: str(TEXT),
  durationMs: { type: 'int' },
};

const SLIM: Fields = {
  archiveBytes: { type: 'int' },
  unpackedBytes: { type: 'int' },
  files: { type: 'int' },
  ephemeralStorageMb: { type: 'int' },
  neededMb: { type: 'int', optional: true },
  measured: str(TEXT),
  atMemory: str(TEXT),
  location: str(2_048),
};

const COMMON: Fields = {
  v: { type: 'enum', values: ['1'] },
  project: str(40, PROJECT, 'a project name'),
  stage: str(40, STAGE, 'a stage name: lower-case letters, digits and hyphens'),
};

const DEPLOY: Fields = {
  ...COMMON,
  kind: { type: 'enum', values: ['deploy'] },
  status: { type: 'enum', values: ['success', 'failure'] },
  target: { type: 'enum', values: ['aws', 'local'] },
  functionName: str(64, /^[A-Za-z0-9_-]+$/, 'a Lambda function name'),
  version: str(ID, VERSION, 'a version number'),
  previousVersion: str(ID, VERSION, 'a version number'),
  failedVersion: { ...str(ID, VERSION, 'a version number'), optional: true },
  url: str(2_048),
  apiKeyId: { ...str(ID, /^[A-Za-z0-9]+$/, 'an API key id'), optional: true },
  packageBytes: { type: 'int' },
  unpackedBytes: { type: 'int' },
  changed: { type: 'bool' },
  rolledBack: { type: 'bool' },
  durationMs: { type: 'int' },
  smoke: { type: 'object', fields: SMOKE },
  slim: { type: 'object', fields: SLIM, optional: true },
  logs: { ...str(LOGS), optional: true },
  logsOmitted: { type: 'bool', optional: true },
  logsNote: { ...str(TEXT), optional: true },
  error: { ...str(TEXT), optional: true },
  hint: { ...str(TEXT), optional: true },
  rollbackMessage: { ...str(TEXT), optional: true },
  notes: { type: 'list', ...NOTES, optional: true },
};

const ERROR: Fields = {
  ...COMMON,
  kind: { type: 'enum', values: ['error'] },
  message: str(TEXT),
  steps: { type: 'list', max: 20, items: 200 },
};

/** The reader-facing error: names the input, the field, the bad value and the form expected. */
export class ReportInputError extends Error {
  constructor(detail: string, input: string = Inputs.Report) {
    super(`${input}: ${detail}`);
    this.name = 'ReportInputError';
  }
}

export function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Why `value` does not fit `spec` ('' when it does). */
function misfit(value: unknown, spec: Spec): string {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return 'a string';
      if (value.length > spec.max) return `at most ${spec.max} characters (got ${value.length})`;
      return spec.pattern && !spec.pattern.test(value) ? (spec.form ?? `text matching ${spec.pattern}`) : '';
    case 'int':
      return Number.isSafeInteger(value) && (value as number) >= 0 ? '' : 'a whole number, 0 or more';
    case 'bool':
      return typeof value === 'boolean' ? '' : 'true or false';
    case 'enum':
      return spec.values.includes(String(value)) && typeof value !== 'object'
        ? ''
        : `one of ${spec.values.join(', ')}`;
    case 'list':
      return Array.isArray(value) &&
        value.length <= spec.max &&
        value.every((v) => typeof v === 'string' && v.length <= spec.items)
        ? ''
        : `a list of at most ${spec.max} strings of at most ${spec.items} characters`;
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? '' : 'an object';
  }
}

/** Checks every key of `value` against `fields`: no unknown key, none missing, each of its type. */
function check(value: Record<string, unknown>, fields: Fields, path: string): void {
  for (const key of Object.keys(value))
    if (!(key in fields))
      throw new ReportInputError(
        `${path}${key} is not a known key; expected only ${Object.keys(fields).join(', ')}.`,
      );
  for (const [key, spec] of Object.entries(fields)) {
    const v = value[key];
    if (v === undefined) {
      if (spec.optional) continue;
      throw new ReportInputError(
        `${path}${key} is missing; expected ${(spec.type === 'string' && spec.form) || misfit(undefined, spec)}.`,
      );
    }
    const problem = misfit(v, spec);
    if (problem) throw new ReportInputError(`${path}${key} is ${quote(v)}; expected ${problem}.`);
    if (spec.type === 'object') check(v as Record<string, unknown>, spec.fields, `${path}${key}.`);
  }
}

/** report is empty, and nothing stands in for it (report-result). */
export function emptyReportError(): ReportInputError {
  return new ReportInputError(
    `is empty; expected the JSON of the deploy step's report output, like "\${{ needs.preview.outputs.report }}" (GitHub leaves that output out when it holds a value masked in its job: pass ${Inputs.ReportResult}, and ${Inputs.ReportUrl}, for a comment that points at the run's log).`,
  );
}

/**
 * Parses and checks `report` for this run's project and stage (from the report job's own event,
 * never from the JSON) and region (its aws-region: none, no AWS URL is accepted). Throws
 * ReportInputError naming what is wrong and the form expected.
 */
export function parseReport(
  text: string,
  expected: { project: string; stage: string; region?: string | undefined },
): ReportPayload {
  if (!text.trim()) throw emptyReportError();
  if (text.length > MAX_REPORT_CHARS)
    throw new ReportInputError(
      `has ${text.length} characters; expected at most ${MAX_REPORT_CHARS} (the JSON of a deploy's report output).`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ReportInputError(`${quote(text)} is not JSON; expected the JSON of a deploy's report output.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ReportInputError(
      `${quote(value)} is not an object; expected the JSON of a deploy's report output.`,
    );
  const record = value as Record<string, unknown>;
  const kind = record.kind;
  if (kind !== 'deploy' && kind !== 'error')
    throw new ReportInputError(`kind is ${quote(kind)}; expected deploy or error.`);
  check(record, kind === 'deploy' ? DEPLOY : ERROR, '');
  for (const key of ['project', 'stage'] as const)
    if (record[key] !== expected[key])
      throw new ReportInputError(
        `${key} is ${quote(record[key])}; expected ${quote(expected[key])}, the ${key} of this run (its name input and event).`,
      );
  if (kind === 'error') {
    const { project, stage, message, steps } = record as Extract<ReportPayload, { kind: 'error' }>;
    return { kind, project, stage, message, steps };
  }
  const { url, target, stage } = record as { url: string; target: 'aws' | 'local'; stage: string };
  const problem = reportUrlProblem(url, { stage, target, region: expected.region });
  if (problem) throw new ReportInputError(`url is ${quote(url)}; expected ${problem}.`);
  return toPayload(record);
}

/** The outcome the reports render from checked JSON: what the report does not carry is empty. */
function toPayload(record: Record<string, unknown>): ReportPayload {
  const { v: _v, kind: _kind, logsOmitted, ...fields } = record;
  // The commit is the report job's own (its event's), never the JSON's.
  const outcome = {
    sha: '',
    functionArn: '',
    codeSha256: '',
    packagePath: '',
    ...fields,
  } as unknown as DeployReport;
  return { kind: 'deploy', outcome, logsOmitted: logsOmitted === true };
}

type Secrets = readonly (string | undefined)[];

/** Every string of `value`, redacted and cut to `max`: the JSON never carries what a report would hide. */
function clean(value: string, max: number, secrets: Secrets): string {
  // cutText says what it cut after the cut (`… (N more characters)`): room for that.
  return cutText(redact(value, secrets), max - 40, secrets);
}

function cleanSmoke(smoke: SmokeResult, secrets: Secrets): SmokeResult {
  const { expected: _expected, ...rest } = smoke;
  return {
    ...rest,
    target: clean(smoke.target, 2_048, secrets),
    detail: clean(smoke.detail, TEXT, secrets),
    ...(smoke.bodyExcerpt !== undefined && { bodyExcerpt: clean(smoke.bodyExcerpt, TEXT, secrets) }),
  };
}

/**
 * The `report` output of a deploy: the facts the comment and the Deployment show, redacted, each
 * text cut to what parseReport accepts. `commentLogs` false (a public repository with
 * public-comment-logs: false): the function's logs stay out, as they stay out of the comment.
 */
export function deployReportJson(
  o: DeployReport,
  options: { secrets: Secrets; commentLogs: boolean },
): string {
  let json = reportJson(o, options, LOGS);
  // JSON escapes grow a log (a control character takes six): each character cut frees one at least.
  for (let max = LOGS; json.length > MAX_REPORT_CHARS && o.logs && options.commentLogs && max > 0;) {
    max = Math.max(0, max - (json.length - MAX_REPORT_CHARS) - 100);
    json = reportJson(o, options, max);
  }
  return json;
}

/** The report with the logs cut to `logsMax` (none at 0). */
function reportJson(
  o: DeployReport,
  options: { secrets: Secrets; commentLogs: boolean },
  logsMax: number,
): string {
  const { secrets } = options;
  const optional = (key: keyof DeployReport, max: number) =>
    typeof o[key] === 'string' ? { [key]: clean(o[key], max, secrets) } : {};
  const logs = o.logs && options.commentLogs && logsMax > 40 ? { logs: clean(o.logs, logsMax, secrets) } : {};
  return JSON.stringify({
    v: '1',
    kind: 'deploy',
    status: o.status,
    project: o.project,
    stage: o.stage,
    target: o.target,
    functionName: o.functionName,
    version: o.version,
    previousVersion: o.previousVersion,
    ...(o.failedVersion !== undefined && { failedVersion: o.failedVersion }),
    // A masked value in it would make GitHub drop the whole output (no comment at all): left out. The
    // runner masks no short value, and one equal to a word of our endpoint hides nothing there (see redact).
    url: redact(o.url, secrets, [o.url]) === o.url ? o.url : '',
    ...(o.apiKeyId && { apiKeyId: o.apiKeyId }),
    packageBytes: o.packageBytes,
    unpackedBytes: o.unpackedBytes,
    changed: o.changed,
    rolledBack: o.rolledBack,
    durationMs: Math.round(o.durationMs),
    smoke: cleanSmoke(o.smoke, secrets),
    ...(o.slim && { slim: o.slim }),
    ...logs,
    ...(o.logs && !options.commentLogs && { logsOmitted: true }),
    ...optional('logsNote', TEXT),
    ...optional('error', TEXT),
    ...optional('hint', TEXT),
    ...optional('rollbackMessage', TEXT),
    ...(o.notes?.length && {
      notes: o.notes.slice(0, NOTES.max).map((n) => clean(n, NOTES.items, secrets)),
    }),
  });
}

/** The `report` output of a deploy that threw: the message (redacted, cut) and where it failed. */
export function errorReportJson(
  failed: { project: string; stage: string; message: string; steps?: string[] },
  secrets: Secrets,
): string {
  return JSON.stringify({
    v: '1',
    kind: 'error',
    project: failed.project,
    stage: failed.stage,
    message: clean(failed.message, TEXT, secrets),
    steps: (failed.steps ?? []).slice(0, 20).map((s) => clean(s, 200, secrets)),
  });
}
