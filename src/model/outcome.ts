import type { StatusRanges } from './settings.js';

/** What the smoke test saw. */
export interface SmokeResult {
  status: 'passed' | 'failed' | 'skipped';
  /** The URL probed (or `invoke {function}:live` for gateway none). */
  target: string;
  attempts: number;
  lastStatus?: number;
  /** A bounded excerpt of the last body (never a secret). */
  bodyExcerpt?: string;
  /** Why it failed or was skipped, in one sentence. */
  detail: string;
  expected?: StatusRanges;
  durationMs: number;
}

/** A slim package's dependencies, for the summary. */
export interface SlimOutcome {
  archiveBytes: number;
  unpackedBytes: number;
  files: number;
  /** The ephemeral storage (/tmp, MB) the function is set to. */
  ephemeralStorageMb: number;
  /** What the unpacked dependencies need, when less than what is set: the owner's larger size was kept. */
  neededMb?: number;
  /** The unpack measured in the build, one line. */
  measured: string;
  /** What that means at the function's memory, one line. */
  atMemory: string;
  /** Where the function fetches it (s3://bucket/key). */
  location: string;
}

/** The result of a deploy, as outputs, summary, PR comment and Deployment report it. */
export interface DeployOutcome {
  status: 'success' | 'failure';
  project: string;
  stage: string;
  functionName: string;
  functionArn: string;
  /** The version `live` serves after this run. */
  version: string;
  /** The version `live` had before this run ('' on a first deploy). */
  previousVersion: string;
  url: string;
  apiId?: string;
  apiKeyId?: string;
  codeSha256: string;
  packageBytes: number;
  unpackedBytes: number;
  packagePath: string;
  changed: boolean;
  rolledBack: boolean;
  smoke: SmokeResult;
  /** Log excerpt on failure (already bounded). */
  logs?: string;
  /** One-line cause of a failure. */
  error?: string;
  /** What to do about the failure, when it is known (e.g. a module to add to requirements.txt). */
  hint?: string;
  sha: string;
  durationMs: number;
  /** aws or local */
  target: 'aws' | 'local';
  /** Set for a slim package. */
  slim?: SlimOutcome;
}

/** The result of an undeploy, for the summary and the PR comment. */
export interface UndeployOutcome {
  project: string;
  stage: string;
  removed: string[];
  skipped: { resource: string; why: string }[];
  dryRun: boolean;
  /** The stage's log groups left in place (remove-logs: false): the summary names them. */
  keptLogGroups?: string[];
  /**
   * With UndeployTarget.onlyIfDeployedFor: why the stage was left whole (its
   * function was not deployed for that ref); nothing was removed.
   */
  notDeployedFor?: string;
  /**
   * With UndeployTarget.stageBranch: why the stage was kept (its function was
   * last deployed for another ref, see keptForOtherRef); nothing was removed.
   */
  keptForOtherRef?: string;
  /**
   * With UndeployTarget.unlessDeployingAt: the deploy found running on the
   * stage (prune judged it before that deploy started); nothing was removed.
   */
  deployRunning?: string;
}

/** Facts a deploy knows beyond DeployOutcome, for the failure part of a report. */
export interface DeployExtras {
  /** The version that failed; after a rollback `version` is the restored one. */
  failedVersion?: string;
  /** rollbackAlias's message (rolled back, nothing to roll back, or ROLLBACK FAILED). */
  rollbackMessage?: string;
  /** fetchFunctionLogs's note (no log group yet, no permission). */
  logsNote?: string;
  /** Extra facts for the summary: keep-warm, provisioned concurrency and its estimated cost. */
  notes?: string[];
}

export type DeployReport = DeployOutcome & DeployExtras;

/** One line of the prune summary. `failed`: the removal was attempted and an error stopped it. */
export interface PruneLine {
  stage: string;
  action: 'kept' | 'removed' | 'would remove' | 'failed';
  why: string;
}

/** A slim dependencies archive in the artifact bucket. */
export interface SlimArchiveObject {
  key: string;
  bytes: number;
  lastModified?: Date;
}

/** A log group tagged for the project whose function lambda-deploy did not make (prune). */
export interface ClaimedLogGroup {
  group: string;
  functionName: string;
  /** When the group was made: since then a pull-request job may have read it. */
  createdAt?: Date;
  /** Tags taken off (dry run: that would be); false when the role was refused. */
  released: boolean;
}

/** Prune's look at the project's log groups for functions lambda-deploy did not make. */
export interface ClaimedLogGroups {
  claimed: ClaimedLogGroup[];
  /**
   * Groups this role (and so pull-request code, when it is the preview role) may read, whose
   * function it may not: a hand-made one's, claimed, cannot be told from a removed stage's.
   */
  unchecked: string[];
}

/** What prune did with the project's unused slim archives. */
export interface SlimPruneOutcome {
  /** Deleted (or, with dry-run, that would be). */
  deleted: SlimArchiveObject[];
  /** Could not be deleted, with why. */
  failed: { key: string; why: string }[];
  /** Why none was deleted, when prune did not look or dared not. */
  skipped?: string;
}
