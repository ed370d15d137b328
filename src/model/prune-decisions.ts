import { branchStage, pullRequestStage, tagValue } from './stage-name.js';

export type PullRequestState = 'open' | 'closed' | 'missing';

/** A stage of the project as its tags and its function describe it. */
export interface StageRecord {
  stage: string;
  /** The lambda-deploy:ref tag: a branch name or `pull/{number}`. */
  ref: string;
  /** The last deploy: its function's lambda-deploy:deployed tag, or LastModified when later (or untagged). */
  lastDeployed?: Date;
  /** When a deploy that has not finished started (its lambda-deploy:deploying tag). */
  deployingSince?: Date;
  /** Lambda is applying an update to the function right now (State Pending, LastUpdateStatus InProgress). */
  updating?: boolean;
}

export interface PruneFacts {
  /** Every branch of the repository (all pages). */
  branches: readonly string[];
  /** State of each pull request a stage points at; absent: not asked. */
  pullRequests: ReadonlyMap<number, PullRequestState>;
  protectedStages: readonly string[];
  /** preview-ttl in days; undefined: pull-request stages live as long as their pull request is open. */
  previewTtl?: number;
  now: Date;
}

export interface PruneDecision {
  stage: string;
  action: 'keep' | 'remove';
  why: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * A deploying mark older than this is from a run that stopped without
 * finishing (cancelled, runner lost): a deploy's AWS part (upload, function,
 * front door, smoke test of at most 15 minutes) takes far less.
 */
export const DEPLOYING_MARK_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * How far ahead of `now` a deploying mark may be and still count: a deploy that started after
 * prune read the clock, on a runner whose clock runs a little ahead.
 */
export const DEPLOYING_MARK_MAX_AHEAD_MS = 5 * 60 * 1000;

/**
 * Whether a deploying mark says a deploy is running: under an hour old, and not from further
 * ahead than clocks drift. A mark dated later is no deploy's (the preview role may tag its own
 * stage's functions): counting it would hold prune off the project's layers and slim archives
 * for as long as its date says.
 */
export function deployingMarkFresh(since: Date | undefined, now: Date): since is Date {
  if (!since) return false;
  const age = now.getTime() - since.getTime();
  return age < DEPLOYING_MARK_MAX_AGE_MS && age >= -DEPLOYING_MARK_MAX_AHEAD_MS;
}

/**
 * Why a deploy is running on a stage, by its function: Lambda applying an update, or a
 * fresh deploying mark (deployingMarkFresh). Else undefined.
 */
export function runningDeploy(
  fn: Pick<StageRecord, 'deployingSince' | 'updating'>,
  now: Date,
): string | undefined {
  if (fn.updating) return 'Lambda is applying an update to its function: a deploy is running';
  if (!deployingMarkFresh(fn.deployingSince, now)) return undefined;
  const deployingFor = now.getTime() - fn.deployingSince.getTime();
  return `a deploy started ${Math.max(0, Math.round(deployingFor / 60_000))} min ago is still running (tag lambda-deploy:deploying)`;
}

/** `pull/12` -> 12. */
export function pullRequestNumber(ref: string): number | undefined {
  const m = /^pull\/(\d+)$/.exec(ref);
  const n = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The pull request a stage was derived from (not merely deployed from with a stage override). */
export function stagePullRequest(record: StageRecord): number | undefined {
  const n = pullRequestNumber(record.ref);
  return n !== undefined && pullRequestStage(n) === record.stage ? n : undefined;
}

function days(ms: number): string {
  const d = Math.floor((ms / DAY_MS) * 10) / 10;
  return `${d} day${d === 1 ? '' : 's'}`;
}

/**
 * Keep or remove, and why, for each stage. Pure. Only stages whose ref tells
 * when they stop being wanted are ever removed: a pull request's (named
 * after it, or set with the `stage` input while deploying it) once it is
 * closed or idle past preview-ttl, and a branch's own stage once the branch
 * is gone. Any other stage set with the `stage` input is kept.
 */
export function decidePrune(stages: readonly StageRecord[], facts: PruneFacts): PruneDecision[] {
  const protectedSet = new Set(facts.protectedStages.map((s) => s.toLowerCase()));
  // Compare by stage, not by name: the tag may hold a cleaned branch name, the stage is exact.
  const branchByStage = new Map<string, string>();
  for (const b of facts.branches)
    if (!branchByStage.has(branchStage(b))) branchByStage.set(branchStage(b), b);

  return stages.map(({ stage, ref, lastDeployed, deployingSince, updating }): PruneDecision => {
    const keep = (why: string): PruneDecision => ({ stage, action: 'keep', why });
    const remove = (why: string): PruneDecision => ({ stage, action: 'remove', why });
    if (protectedSet.has(stage.toLowerCase())) return keep('protected (protected-stages)');
    // Removing a stage under a running deploy would leave half of it behind, recreated by that deploy.
    const running = runningDeploy({ deployingSince, updating }, facts.now);
    if (running) return keep(running);

    // A stage last deployed for a pull request is that pull request's, whatever its name (a `stage`
    // input like preview-42), as a closed pull request's own run would remove it; a branch's stage
    // that a pull request deployed stays while the branch exists.
    const branch = branchByStage.get(stage);
    const pr =
      stagePullRequest({ stage, ref }) ?? (branch === undefined ? pullRequestNumber(ref) : undefined);
    if (pr !== undefined) {
      const state = facts.pullRequests.get(pr);
      if (state === 'closed') return remove(`pull request #${pr} is closed`);
      if (state === 'missing')
        return keep(
          `pull request #${pr} was not found (kept: cannot tell whether it is closed; does github-token have pull-requests: read?)`,
        );
      if (state === undefined) return keep(`state of pull request #${pr} unknown`);
      if (facts.previewTtl !== undefined && lastDeployed) {
        const age = facts.now.getTime() - lastDeployed.getTime();
        if (age > facts.previewTtl * DAY_MS)
          return remove(
            `pull request #${pr} not deployed for ${days(age)} (preview-ttl ${facts.previewTtl})`,
          );
      }
      return keep(`pull request #${pr} is open`);
    }

    if (branch !== undefined) return keep(`branch ${branch} exists`);
    // Derived from its branch when the ref maps back to the stage; a cleaned tag value cannot, so it is kept.
    if (
      ref !== '' &&
      pullRequestNumber(ref) === undefined &&
      branchStage(ref) === stage &&
      tagValue(ref) === ref
    )
      return remove(`branch ${ref} no longer exists`);
    return keep(
      `not a branch or pull request stage (ref ${ref ? `'${ref}'` : 'unknown'}; set by the stage input?)`,
    );
  });
}
