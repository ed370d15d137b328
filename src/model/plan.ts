import type { GitHubContext } from './github-context.js';
import { productionBranches, STAGE_ONLY_NAMES } from './production-branches.js';
import {
  DEFAULT_PROTECTED_STAGES,
  isProtectedStage,
  listWithout,
  protectedListSource,
} from './protected-stages.js';
import type { Command, Settings } from './settings.js';
import { branchStage, functionName, pullRequestStage } from './stage-name.js';

export type PlannedCommand = Exclude<Command, 'auto'> | 'skip';

/** What this run does and to which stage. Pure: derived from settings and the event. */
export interface Plan {
  command: PlannedCommand;
  /** Why: the event that led here, or why nothing runs (for `skip`). */
  reason: string;
  /** '' for prune (it works on every stage of the project). */
  stage: string;
  /** `{name}-{stage}` (shortened when needed); '' for prune. */
  functionName: string;
  /**
   * For the `lambda-deploy:ref` tag: branch name or `pull/{number}`; else the
   * event's own ref (`refs/tags/v1`, '' outside git), never the stage.
   */
  ref: string;
  branch?: string;
  pullRequest?: number;
  /**
   * The branch the stage was derived from (no stage input). Another branch can
   * derive the same stage (`Feature/Login` is hashed to `feature-login-1ce27709`,
   * a name a branch can have): a function last deployed for another ref is not
   * this branch's, so deploy refuses it and undeploy keeps it.
   */
  stageBranch?: string;
  /** A pull request whose head lives in a fork: no OIDC token, no secrets. */
  fromFork: boolean;
  /**
   * `command: auto` on a closed pull request or a deleted branch with a stage
   * input other than the event's own stage: undeploy only when the stage's
   * function carries `lambda-deploy:ref` = `ref` (it was deployed for this
   * very pull request or branch); else nothing runs (see stageInputKept).
   */
  onlyIfDeployedFor?: { ref: string; eventStage: string };
  /**
   * A `skip` because the closed pull request's or deleted branch's own stage
   * is protected: kept as the user asked, which the run reports as a warning.
   */
  keptProtected?: boolean;
  repository: string;
  sha: string;
}

type PlanSettings = Pick<Settings, 'command' | 'name' | 'stage'> &
  Partial<Pick<Settings, 'protectedStages' | 'protectedStageEntries'>>;

/** Events that run code from a pull request (or on its behalf): never allowed near a protected stage. */
export function isPullRequestEvent(eventName: string): boolean {
  return eventName.startsWith('pull_request');
}

/** A pull-request run aimed at a protected stage: refused before anything signs in. */
export class ProtectedStageFromPullRequestError extends Error {
  constructor(stage: string, eventName: string, protectedStages: readonly string[]) {
    super(
      `stage: "${stage}" is listed in protected-stages (${protectedListSource(protectedStages)}), and a ${eventName} run may not deploy or remove it: ` +
        `code from a pull request never reaches a protected stage, whatever the stage input says. ` +
        `Protected stages are deployed by a push to their branch (the production role); pull requests get their own pr-N stage.`,
    );
    this.name = 'ProtectedStageFromPullRequestError';
  }
}

/**
 * A run on a branch that is not a production branch (productionBranches: the
 * branches the production role trusts and the reusable workflow's route job
 * sends to the production job), whose stage input names a protected stage:
 * refused before anything signs in. A production role that trusts a GitHub
 * environment's sub trusts it whatever the branch, so a constant `stage: prod`
 * in a workflow run on every push would let any branch overwrite production.
 */
export class ProtectedStageFromBranchError extends Error {
  constructor(stage: string, branch: string, protectedStages: readonly string[], entries: readonly string[]) {
    const branches = productionBranches(entries);
    const forMain = `stage: \${{ github.ref_name == '${branches[0] ?? 'main'}' && '${stage}' || '' }}`;
    super(
      `stage: "${stage}" is a protected stage (listed in protected-stages: ${protectedListSource(protectedStages)}), ` +
        `and this run is on branch ${branch}, which is not a production branch (${branches.join(', ') || 'none: protected-stages names no branch'}): ` +
        `only a push to, or a manual run on, a production branch deploys a protected stage; else any branch could overwrite production. Nothing was created. ` +
        // With none, an input set for main alone would be refused there too: a production branch first.
        (branches.length === 0
          ? `Expected a production branch listed in protected-stages first (and in setup's --protected-stages), like protected-stages: main,${entries.join(',')}, ` +
            `then the stage input set for it only, like ${forMain}.`
          : `Expected the stage input set only on a production branch, like ${forMain}, ` +
            (STAGE_ONLY_NAMES.includes(branch.toLowerCase())
              ? `or the branch renamed: ${STAGE_ONLY_NAMES.join(' and ')} name stages, never production branches.`
              : `or ${branch} listed in protected-stages (and in setup's --protected-stages) to make it a production branch.`)),
    );
    this.name = 'ProtectedStageFromBranchError';
  }
}

/** The branch of a GitHub Actions run (not a terminal's) that deploys a protected stage input without being a production branch, else undefined. */
function nonProductionBranch(
  settings: PlanSettings,
  command: PlannedCommand,
  ctx: GitHubContext,
  isProtected: (stage: string) => boolean,
): string | undefined {
  const branch = branchFromRef(ctx.ref);
  if (
    !ctx.eventName ||
    (command !== 'deploy' && command !== 'report') ||
    settings.stage === undefined ||
    branch === undefined
  )
    return undefined;
  if (!isProtected(settings.stage)) return undefined;
  const entries = settings.protectedStageEntries ?? settings.protectedStages ?? DEFAULT_PROTECTED_STAGES;
  return productionBranches(entries).includes(branch) ? undefined : branch;
}

interface Target {
  stage?: string;
  ref: string;
  branch?: string;
  pullRequest?: number;
}

function obj(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function branchFromRef(ref: string): string | undefined {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}

function pullRequestTarget(payload: Record<string, unknown>): Target | undefined {
  const raw = payload.number ?? obj(payload.pull_request).number;
  if (raw === undefined) return undefined;
  // Only a JSON number that is a positive whole number below 2^53: 1e21 would make stage `pr-1e+21`.
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw <= 0)
    throw new Error(
      `The pull request number of the event is ${JSON.stringify(raw)?.slice(0, 40)}; expected a positive whole number, like 42.`,
    );
  return { stage: pullRequestStage(raw), ref: `pull/${raw}`, pullRequest: raw };
}

function isFork(payload: Record<string, unknown>): boolean {
  const pr = obj(payload.pull_request);
  const headRepo = obj(obj(pr.head).repo);
  const baseRepo = obj(obj(pr.base).repo);
  if (!pr.head) return false;
  // A deleted fork shows up as head.repo = null.
  if (!headRepo.full_name) return true;
  return headRepo.full_name !== (baseRepo.full_name ?? obj(payload.repository).full_name);
}

/** The stage the event points at, when it points at one. */
function eventTarget(ctx: GitHubContext): Target | undefined {
  const { eventName, payload } = ctx;
  if (eventName === 'pull_request' || eventName === 'pull_request_target') return pullRequestTarget(payload);
  if (eventName === 'delete') {
    if (payload.ref_type !== 'branch' || typeof payload.ref !== 'string') return undefined;
    // The short name, as GitHub sends it: one starting refs/heads/ is a branch named so, not another branch.
    const branch = payload.ref;
    return { stage: branchStage(branch), ref: branch, branch };
  }
  const branch = branchFromRef(ctx.ref);
  if (branch) return { stage: branchStage(branch), ref: branch, branch };
  return undefined;
}

const PR_DEPLOY_ACTIONS = new Set(['opened', 'synchronize', 'reopened']);

/** `command: auto`: the event table of DESIGN.md. */
function autoCommand(ctx: GitHubContext): { command: PlannedCommand; reason: string } {
  const { eventName, payload } = ctx;
  const action = typeof payload.action === 'string' ? payload.action : '';
  switch (eventName) {
    case 'push':
      return branchFromRef(ctx.ref)
        ? { command: 'deploy', reason: `push to ${branchFromRef(ctx.ref)}` }
        : {
            command: 'skip',
            reason: `push of ${ctx.ref || 'an unknown ref'} is not a branch: nothing to deploy`,
          };
    case 'workflow_dispatch':
      return { command: 'deploy', reason: 'workflow_dispatch' };
    case 'pull_request':
    case 'pull_request_target':
      if (PR_DEPLOY_ACTIONS.has(action)) return { command: 'deploy', reason: `pull request ${action}` };
      if (action === 'closed') return { command: 'undeploy', reason: 'pull request closed' };
      return {
        command: 'skip',
        reason: `pull request ${action || 'event'}: only opened, synchronize, reopened and closed act`,
      };
    case 'delete':
      return payload.ref_type === 'branch'
        ? { command: 'undeploy', reason: `branch ${String(payload.ref)} deleted` }
        : {
            command: 'skip',
            reason: `deleted ${String(payload.ref_type ?? 'ref')} ${String(payload.ref ?? '')}: only branch deletions undeploy`,
          };
    case 'schedule':
      return { command: 'prune', reason: 'schedule' };
    case '':
      return { command: 'deploy', reason: 'run outside GitHub Actions' };
    default:
      throw new Error(
        `command: "auto" does not know what to do on the "${eventName}" event; expected push, pull_request, delete, workflow_dispatch or schedule, or set command to deploy, undeploy, package or prune.`,
      );
  }
}

/**
 * Why an auto undeploy left a stage input's stage alone: `reason` is the
 * event's ("pull request closed"), `why` what its tags (or protection) said.
 */
export function stageInputKept(reason: string, eventStage: string, stage: string, why: string): string {
  return (
    `${reason}: its stage is ${eventStage}, not the stage input "${stage}" (${why}): nothing removed. ` +
    `To remove stage ${stage} on purpose, run with command: undeploy`
  );
}

/**
 * The undeploy of a closed pull request or a deleted branch aimed at the event's own stage, when
 * that stage is protected: a skip that keeps it (protected-stages asked for it to be kept), not a
 * failure. Undefined for every other plan.
 */
function keepProtectedOwnStage(
  command: PlannedCommand,
  stage: string | undefined,
  ctx: GitHubContext,
  protectedStages: readonly string[],
): { reason: string } | undefined {
  const target = eventTarget(ctx);
  if (command !== 'undeploy' || !stage || !target || stage !== target.stage) return undefined;
  if (!isProtectedStage(stage, protectedStages)) return undefined;
  const closedPullRequest = isPullRequestEvent(ctx.eventName) && ctx.payload.action === 'closed';
  if (!closedPullRequest && ctx.eventName !== 'delete') return undefined;
  const event =
    target.pullRequest !== undefined
      ? `pull request #${target.pullRequest} closed`
      : `branch ${target.branch} deleted`;
  return {
    reason:
      `${event}: stage ${stage} is listed in protected-stages (${protectedListSource(protectedStages)}): kept, nothing removed; ` +
      `undeploy never removes a protected stage. ` +
      `To remove it on purpose, run undeploy with the protected-stages input set without "${stage}"${listWithout(stage, protectedStages)}`,
  };
}

/** From settings and the event to what runs and where. */
export function makePlan(settings: PlanSettings, ctx: GitHubContext): Plan {
  const { command, reason } =
    settings.command === 'auto'
      ? autoCommand(ctx)
      : { command: settings.command, reason: `command: ${settings.command}` };
  const target = eventTarget(ctx);
  const fromFork =
    (ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target') && isFork(ctx.payload);
  const base = { reason, fromFork, repository: ctx.repository, sha: ctx.sha };

  if (command === 'skip') return { ...base, command, stage: '', functionName: '', ref: '' };
  if (command === 'prune') return { ...base, command, stage: '', functionName: '', ref: '' };

  const stage = settings.stage ?? target?.stage;
  const protectedStages = settings.protectedStages ?? DEFAULT_PROTECTED_STAGES;
  const isProtected = (s: string) => isProtectedStage(s, protectedStages);
  const kept = keepProtectedOwnStage(command, stage, ctx, protectedStages);
  if (kept)
    return {
      ...base,
      command: 'skip',
      reason: kept.reason,
      stage: '',
      functionName: '',
      ref: '',
      keptProtected: true,
    };
  if (stage && isPullRequestEvent(ctx.eventName) && command !== 'package' && isProtected(stage))
    throw new ProtectedStageFromPullRequestError(stage, ctx.eventName, protectedStages);
  const offBranch = nonProductionBranch(settings, command, ctx, isProtected);
  if (stage && offBranch !== undefined)
    throw new ProtectedStageFromBranchError(
      stage,
      offBranch,
      protectedStages,
      settings.protectedStageEntries ?? protectedStages,
    );
  // A closed pull request or a deleted branch removes its own stage, and a stage input's only when that
  // stage was deployed for it (its tags, checked after signing in): a stage input says where to deploy
  // (on delete, an expression on github.ref_name sees the default branch), not what to remove.
  if (
    settings.command === 'auto' &&
    command === 'undeploy' &&
    target?.stage &&
    stage &&
    stage !== target.stage
  ) {
    if (isProtected(stage))
      return {
        ...base,
        command: 'skip',
        reason: stageInputKept(reason, target.stage, stage, 'a protected stage'),
        stage: '',
        functionName: '',
        ref: '',
      };
    return {
      ...base,
      command,
      stage,
      functionName: functionName(settings.name, stage),
      ref: target.ref,
      branch: target.branch,
      pullRequest: target.pullRequest,
      onlyIfDeployedFor: { ref: target.ref, eventStage: target.stage },
    };
  }
  if (!stage) {
    if (command === 'package') return { ...base, command, stage: '', functionName: '', ref: '' };
    throw new Error(
      `stage: could not be derived from the "${ctx.eventName || 'local'}" event (ref ${JSON.stringify(ctx.ref)}); expected a branch push, a pull request or a branch delete, or set stage, like "staging".`,
    );
  }
  return {
    ...base,
    command,
    stage,
    functionName: functionName(settings.name, stage),
    // Not the stage: prune would take `ref == stage` for a branch stage whose branch is gone.
    ref: target?.ref ?? ctx.ref,
    branch: target?.branch,
    pullRequest: target?.pullRequest,
    // A stage input shares its stage with every ref that names it, on purpose.
    stageBranch: settings.stage === undefined ? target?.branch : undefined,
  };
}
