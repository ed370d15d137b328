/**
 * The sticky pull request comment: one per project and stage, found again
 * on every push through a hidden marker and updated in place.
 */
import type { UndeployOutcome } from '../model/outcome.js';
import type { Logger } from '../util/logger.js';
import { GitHubApiError, type GitHubApi } from './github-api.js';
import { code, factTable, link, plainText } from './markdown.js';
import { redact } from '../util/redact.js';
import { deployFacts, deployHeading, failureSections, undeployLead, type RenderOptions } from './summary.js';
import { type DeployReport } from '../model/outcome.js';

/** The hidden line that makes a comment ours for this project and stage. */
export function commentMarker(project: string, stage: string): string {
  // `--` would end the HTML comment early: a run of n dashes is written `-~n~` (no name has `~`),
  // so `a--b` and `a-b`, both valid stages, keep a marker (and a comment) each.
  const safe = (s: string) => s.replace(/[<>]/g, '').replace(/-{2,}/g, (run) => `-~${run.length}~`);
  return `<!-- lambda-deploy:${safe(project)}:${safe(stage)} -->`;
}

/** The comment after a deploy: the same facts as the summary, compact; the failure details when it failed. */
export function renderDeployComment(o: DeployReport, options: RenderOptions = {}): string {
  const parts = [commentMarker(o.project, o.stage), deployHeading(o), factTable(deployFacts(o, true))];
  if (o.status === 'failure') parts.push(...failureSections(o, options));
  else if (options.runUrl) parts.push(`<sub>${link(options.runUrl, 'Workflow run')}</sub>`);
  // The stage's endpoint is ours: a short value equal to one of its words leaves it whole (see redact).
  return redact(parts.join('\n\n'), options.secrets, [o.url]);
}

/** The comment after an undeploy: the preview is gone. */
export function renderUndeployComment(o: UndeployOutcome, options: RenderOptions = {}): string {
  // Nothing removed: a pull request closed before any deploy made something (or already cleaned up).
  const parts = [commentMarker(o.project, o.stage), ...undeployLead(o)];
  if (o.skipped.length)
    parts.push(
      `Left in place: ${o.skipped.map((s) => `${code(s.resource)} (${plainText(s.why)})`).join(', ')}`,
    );
  if (options.runUrl) parts.push(`<sub>${link(options.runUrl, 'Workflow run')}</sub>`);
  return redact(parts.join('\n\n'), options.secrets);
}

export interface StickyComment {
  pullRequest: number;
  project: string;
  stage: string;
  /** The full body; commentMarker(project, stage) is put first when it does not open it. */
  body: string;
  /** false: only update our existing comment, never post a new one (default true). */
  create?: boolean;
}

export interface StickyResult {
  action: 'created' | 'updated';
  id: number;
}

/**
 * Updates this project's and stage's comment when there is one, else creates
 * it. Ours is the one that opens with the marker AND written by the token's own identity:
 * anyone can paste the marker into a comment, and such a comment is never
 * edited. With `create: false` and no comment of ours: nothing, undefined. Throws GitHubApiError.
 */
export async function upsertStickyComment(
  api: GitHubApi,
  c: StickyComment,
  deps: { logger: Logger },
): Promise<StickyResult | undefined> {
  const marker = commentMarker(c.project, c.stage);
  const body = c.body.startsWith(marker) ? c.body : `${marker}\n${c.body}`;
  // We always write the marker first: a comment that merely contains it (another tool of the same
  // token quoting a pull request's text, our logs printing it) is not ours to overwrite.
  const carries = (comment: { body: string }) => comment.body.trimStart().startsWith(marker);
  const [comments, self] = await Promise.all([
    api.listIssueComments(c.pullRequest),
    // The reason is not repeated: the listing's own failure (if GitHub is down) says it, redacted.
    api.viewerLogin().catch(() => {
      deps.logger.warning(
        'Could not tell which GitHub login github-token acts as: posting a new comment rather than editing one.',
      );
      return undefined;
    }),
  ]);
  const existing = self ? comments.find((comment) => comment.user === self && carries(comment)) : undefined;
  const foreign = comments.filter((comment) => comment.user !== self && carries(comment));
  if (foreign.length)
    deps.logger.debug(
      `Left alone ${foreign.length} comment${foreign.length === 1 ? '' : 's'} with the marker by others (${[...new Set(foreign.map((f) => f.user ?? '?'))].join(', ')}).`,
    );
  if (existing) {
    try {
      await api.updateIssueComment(existing.id, body);
      deps.logger.info(`Updated the comment on pull request #${c.pullRequest} (${c.project}, ${c.stage}).`);
      return { action: 'updated', id: existing.id };
    } catch (error) {
      // Deleted between the list and the update: post a new one.
      if (!(error instanceof GitHubApiError && error.status === 404)) throw error;
    }
  }
  if (c.create === false) {
    deps.logger.debug(`No comment of ours on pull request #${c.pullRequest} to update; none posted.`);
    return undefined;
  }
  const created = await api.createIssueComment(c.pullRequest, body);
  deps.logger.info(`Commented on pull request #${c.pullRequest} (${c.project}, ${c.stage}).`);
  return { action: 'created', id: created.id };
}
