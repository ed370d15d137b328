/**
 * The job summary (Markdown) of a deploy, an undeploy and a prune. Pure:
 * main.ts writes it to GITHUB_STEP_SUMMARY, the CLI prints it.
 */
import type {
  ClaimedLogGroups,
  DeployOutcome,
  DeployReport,
  PruneLine,
  SlimPruneOutcome,
  SmokeResult,
  UndeployOutcome,
} from '../model/outcome.js';
import {
  cell,
  code,
  details,
  escapeHtml,
  factTable,
  fenced,
  formatDuration,
  link,
  plainText,
  shortSha,
} from './markdown.js';
import { apiKeyValueCommand } from '../model/api-key.js';
import { formatBytes } from '../packaging/size-check.js';
import { Inputs } from '../settings/names.js';
import { cutText, redact } from '../util/redact.js';

export interface RenderOptions {
  /** Values never to show (API key, tokens); AWS- and GitHub-looking credentials go anyway. */
  secrets?: readonly (string | undefined)[];
  /** This workflow run, for "see the run" links. */
  runUrl?: string;
  /** Leave the function's logs out (the PR comment of a public repository with public-comment-logs: false). */
  omitLogs?: boolean;
}

export function smokeLine(smoke: SmokeResult): string {
  switch (smoke.status) {
    case 'passed':
      return `✅ passed: ${plainText(smoke.detail)}`;
    case 'failed':
      return `❌ failed: ${plainText(smoke.detail)}`;
    default:
      return smoke.detail && smoke.detail !== 'smoke-test: false'
        ? `⏭️ skipped: ${plainText(smoke.detail)}`
        : '⏭️ skipped (smoke-test: false)';
  }
}

function versionLine(o: DeployReport): string {
  if (o.rolledBack) {
    return `${o.version} (rolled back${o.failedVersion ? ` from failing version ${o.failedVersion}` : ''})`;
  }
  if (o.previousVersion && o.previousVersion !== o.version)
    return `${o.version} (previous: ${o.previousVersion})`;
  if (!o.previousVersion) return `${o.version} (first deploy)`;
  return `${o.version} (unchanged)`;
}

/** The /tmp the function is set to, and why: what slim needs, or the owner's own larger size. */
function slimStorage(slim: NonNullable<DeployReport['slim']>): string {
  const mb = (n: number) => `${n.toLocaleString('en-US')} MB`;
  return slim.neededMb !== undefined && slim.neededMb < slim.ephemeralStorageMb
    ? `ephemeral storage ${mb(slim.ephemeralStorageMb)} (the function's own, kept: the unpacked dependencies need ${mb(slim.neededMb)})`
    : `ephemeral storage ${mb(slim.ephemeralStorageMb)} (what the unpacked dependencies need)`;
}

/** The facts of a deploy as table rows: the summary shows all, the PR comment the compact set. */
export function deployFacts(o: DeployReport, compact = false): [string, string][] {
  const rows: [string, string][] = [];
  // A local stage's URL is a loopback address of the runner, gone with the job: no use in a comment.
  if (o.url && !(compact && o.target === 'local')) rows.push(['URL', link(o.url)]);
  // Without it the URL answers {"message":"Forbidden"}: say so where the link is (the id only, never the value).
  if (o.apiKeyId)
    rows.push([
      'API key',
      `required: send its value as the ${code('x-api-key')} header (key ${code(o.apiKeyId)}: ${code(
        apiKeyValueCommand(o.apiKeyId),
      )})`,
    ]);
  rows.push(['Stage', code(o.stage)]);
  if (!compact) rows.push(['Function', code(o.functionName)]);
  // A deploy that failed before a version was published has none to show, and compared nothing.
  const notReached = !o.version;
  if (!notReached) rows.push(['Version', versionLine(o)]);
  if (o.sha) rows.push(['Commit', code(shortSha(o.sha))]);
  if (o.packageBytes > 0) {
    rows.push(['Package', `${formatBytes(o.packageBytes)} zipped, ${formatBytes(o.unpackedBytes)} unpacked`]);
  }
  if (o.slim) {
    rows.push([
      'Dependencies',
      `slim: ${formatBytes(o.slim.archiveBytes)} archive, ${formatBytes(o.slim.unpackedBytes)} unpacked into /tmp at cold start` +
        `${compact ? '' : ` (${o.slim.files.toLocaleString('en-US')} files, ${code(o.slim.location)}); ${slimStorage(o.slim)}`}`,
    ]);
    // Shown as text: command: report reads these from JSON that pull-request code could write.
    const { measured, atMemory } = o.slim;
    rows.push(['Cold start', plainText(compact ? atMemory : `${measured}; ${atMemory}`)]);
  }
  if (o.changed) rows.push(['Changed', 'yes']);
  else if (!notReached) rows.push(['Changed', 'no (same code and configuration)']);
  rows.push(['Smoke test', smokeLine(o.smoke)]);
  if (o.target === 'local') rows.push(['Target', 'local runtime on the runner']);
  rows.push(['Time', formatDuration(o.durationMs)]);
  return rows;
}

/**
 * The most of an error or rollback message a report shows: AWS and the
 * function may quote whole documents, and GitHub refuses a comment longer
 * than 65536 characters (the step's log keeps the whole message).
 */
export const MAX_MESSAGE_CHARS = 4_000;

/**
 * `text` redacted whole, shown as text on one line, then cut (a secret the cut falls in goes whole,
 * see cutText). One line: at the start of a line, ``` opens a code block that swallows the rest of
 * the report, `#` a heading, `>` a quote; a lone CR ends a line for GitHub too.
 */
function bounded(text: string, secrets: RenderOptions['secrets']): string {
  return cutText(plainText(redact(text, secrets)).replace(/\r\n?|\n/g, ' '), MAX_MESSAGE_CHARS, secrets);
}

/**
 * The error's line, then the hint's. A failed smoke test's error restates the
 * Smoke test row (`Smoke test failed: {detail}`): the row says it once.
 */
function errorLines(o: DeployReport, secrets: RenderOptions['secrets']): string[] {
  if (!o.error) return [];
  const restated = `Smoke test failed: ${o.smoke.detail.replace(/\.$/, '')}`;
  const repeats = o.smoke.status === 'failed' && o.error.replace(/\.$/, '') === restated;
  return [
    ...(repeats ? [] : [`**Error:** ${bounded(o.error, secrets)}`]),
    ...(o.hint ? [`**Fix:** ${bounded(o.hint, secrets)}`] : []),
  ];
}

/** The failure part: cause, rollback, smoke answer, logs. Shared by the summary and the comment. */
export function failureSections(o: DeployReport, options: RenderOptions = {}): string[] {
  const parts = errorLines(o, options.secrets);
  if (o.rollbackMessage) {
    const message = bounded(o.rollbackMessage, options.secrets);
    parts.push(o.rolledBack ? `↩️ ${message}` : `⚠️ **${message}**`);
  } else if (o.rolledBack) parts.push(`↩️ Rolled back: the stage is serving version ${o.version} again.`);
  if (o.smoke.status === 'failed' && (o.smoke.lastStatus !== undefined || o.smoke.bodyExcerpt)) {
    const title = `Smoke test: last answer ${o.smoke.lastStatus ?? '(none)'} from ${o.smoke.target}`;
    parts.push(details(title, o.smoke.bodyExcerpt ? fenced(o.smoke.bodyExcerpt) : '(empty body)'));
  }
  if (o.logs && options.omitLogs) {
    parts.push(
      `_The function's logs are left out of comments on this public repository (${Inputs.PublicCommentLogs}: false): see the job summary of the workflow run._`,
    );
  } else if (o.logs) {
    const body = [fenced(o.logs), ...(o.logsNote ? [`_${plainText(o.logsNote)}_`] : [])].join('\n\n');
    parts.push(details(`Function logs: ${o.functionName}`, body));
  } else if (o.logsNote) {
    parts.push(`_Logs: ${plainText(o.logsNote)}_`);
  }
  if (options.runUrl) parts.push(`See ${link(options.runUrl, 'the workflow run')} for the full log.`);
  return parts;
}

export function deployHeading(o: DeployOutcome): string {
  return o.status === 'success'
    ? `### ✅ ${code(o.project)} deployed to ${code(o.stage)}`
    : `### ❌ ${code(o.project)} deploy to ${code(o.stage)} failed`;
}

/** The job summary of a deploy. */
export function renderDeploySummary(o: DeployReport, options: RenderOptions = {}): string {
  const parts = [deployHeading(o), factTable(deployFacts(o))];
  // Shown as text: a report job's notes come from JSON that pull-request code could rewrite.
  if (o.notes?.length) parts.push(o.notes.map((n) => `- ${bounded(n, options.secrets)}`).join('\n'));
  if (o.status === 'failure') parts.push(...failureSections(o, options));
  return `${redact(parts.join('\n\n'), options.secrets, [o.url])}\n`;
}

function undeployHeading(o: UndeployOutcome): string {
  const which = `Preview ${code(o.stage)} of ${code(o.project)}`;
  if (o.dryRun) return `### 🔍 ${which}: dry run, nothing removed`;
  return o.removed.length ? `### 🗑️ ${which} removed` : `### 🗑️ ${which}: nothing to remove`;
}

/** An undeploy's heading and what it removed (or would): the same in the job summary and the PR comment. */
export function undeployLead(o: UndeployOutcome): string[] {
  const verb = o.dryRun ? 'Would remove' : 'Removed';
  return [
    undeployHeading(o),
    o.removed.length
      ? [`${verb}:`, ...o.removed.map((r) => `- ${code(r)}`)].join('\n')
      : `${verb} nothing: no resource carries the tags of stage ${code(o.stage)} (it was never deployed, or was already removed).`,
  ];
}

/** The job summary of an undeploy (or its dry run). */
export function renderUndeploySummary(o: UndeployOutcome, options: RenderOptions = {}): string {
  const parts = undeployLead(o);
  if (o.keptLogGroups?.length)
    parts.push(
      `Kept: ${o.keptLogGroups.map((name) => code(`log group ${name}`)).join(', ')} (${code(
        'remove-logs: false',
      )}; with ${code('remove-logs: true')} an undeploy removes ${o.keptLogGroups.length === 1 ? 'it' : 'them'} too).`,
    );
  if (o.skipped.length) {
    parts.push(
      [
        'Left in place:',
        '',
        '| Resource | Why |',
        '|---|---|',
        // The why quotes tag values, which whoever may tag resources in the account wrote.
        ...o.skipped.map((s) => `| ${cell(code(s.resource))} | ${cell(plainText(s.why))} |`),
      ].join('\n'),
    );
  }
  return `${redact(parts.join('\n\n'), options.secrets)}\n`;
}

/** The job summary of a prune: one line per stage. */
/** The prune summary's part on slim archives: what went (key, size), what could not, or why none did. Empty when there is nothing to say. */
export function renderSlimPruneSummary(outcome: SlimPruneOutcome, dryRun: boolean): string {
  const parts: string[] = [];
  if (outcome.deleted.length) {
    const total = outcome.deleted.reduce((sum, a) => sum + a.bytes, 0);
    parts.push(
      `**Unused slim dependencies archives ${dryRun ? 'that would be deleted (dry run)' : 'deleted'}**: ${outcome.deleted.length}, ${formatBytes(total)}`,
      [
        '| Archive | Size |',
        '|---|---|',
        ...outcome.deleted.map((a) => `| ${cell(code(a.key))} | ${formatBytes(a.bytes)} |`),
      ].join('\n'),
    );
  }
  for (const f of outcome.failed) parts.push(`❌ Could not delete slim archive ${code(f.key)}: ${f.why}`);
  if (outcome.skipped)
    parts.push(`Unused slim dependencies archives stay until the next prune: ${outcome.skipped}.`);
  return parts.length ? `${parts.join('\n\n')}\n` : '';
}

/** Prune's log groups of functions lambda-deploy did not make: what a pull-request job may have read. */
export function renderClaimedLogGroupsSummary(outcome: ClaimedLogGroups, dryRun: boolean): string {
  const { claimed } = outcome;
  const unchecked = renderUncheckedLogGroups(outcome.unchecked);
  if (!claimed.length) return unchecked;
  const done = dryRun ? 'lambda-deploy tags would be removed (dry run)' : 'lambda-deploy tags removed';
  const kept = '❌ tags kept: this role may not remove them (logs:UntagResource)';
  return (
    [
      `**Log groups of functions lambda-deploy did not make**: ${claimed.length}. A pull-request job may have read ` +
        'their logs since the group was made: rotate the secrets those functions logged, and rename them.',
      [
        '| Log group | Function | Made | |',
        '|---|---|---|---|',
        ...claimed.map(
          (c) =>
            `| ${cell(code(c.group))} | ${cell(code(c.functionName))} | ${c.createdAt?.toISOString() ?? '?'} | ${c.released ? done : kept} |`,
        ),
      ].join('\n'),
    ].join('\n\n') +
    '\n' +
    (unchecked && `\n${unchecked}`)
  );
}

/** The groups prune's role could not check (the preview role): what was not checked, why, and what to do. */
function renderUncheckedLogGroups(groups: readonly string[]): string {
  if (!groups.length) return '';
  return (
    `**Log groups not checked for functions lambda-deploy did not make**: ${groups.length}. This role may read no ` +
    'function lambda-deploy did not make (the preview role, which the reusable workflow prunes with when the default ' +
    "branch is not a production branch), so it cannot tell a hand-made function's group, which pull-request code may " +
    "have tagged to read its logs, from a removed stage's. Make the default branch a production branch (list it in " +
    "`protected-stages` and in setup's `--protected-stages`), or check these with administrator credentials: a group " +
    'whose function exists without the `lambda-deploy:name` tag may have been read; remove its `lambda-deploy:*` tags ' +
    'and rotate what that function logged.\n\n' +
    groups.map((g) => `- ${code(g)}`).join('\n') +
    '\n'
  );
}

export function renderPruneSummary(
  project: string,
  lines: readonly PruneLine[],
  options: RenderOptions = {},
): string {
  const count = (action: PruneLine['action']) => lines.filter((l) => l.action === action).length;
  const totals = [
    count('removed') && `${count('removed')} removed`,
    count('would remove') && `${count('would remove')} would be removed (dry run)`,
    `${count('kept')} kept`,
    count('failed') && `${count('failed')} failed`,
  ].filter(Boolean);
  const parts = [`### 🧹 ${code(project)} prune: ${totals.join(', ')}`];
  parts.push(
    lines.length
      ? [
          '| Stage | Action | Why |',
          '|---|---|---|',
          // A why can quote a branch name, and Git allows `<!--` in one; `[` it refuses.
          ...lines.map(
            (l) =>
              `| ${cell(code(l.stage))} | ${l.action === 'failed' ? '❌ failed' : l.action} | ${cell(escapeHtml(l.why))} |`,
          ),
        ].join('\n')
      : 'No stages of this project were found.',
  );
  return `${redact(parts.join('\n\n'), options.secrets)}\n`;
}
