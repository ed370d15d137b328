import type { PackageResult } from '../packaging/build-package-types.js';
import type { PruneLine } from '../model/outcome.js';
import type { DeployOutcome, UndeployOutcome } from '../model/outcome.js';

/** What a pipeline hands back to the action or the CLI. */
export type PipelineResult =
  | { kind: 'skip'; reason: string }
  | { kind: 'package'; stage: string; pkg: PackageResult }
  | { kind: 'deploy'; outcome: DeployOutcome }
  | { kind: 'undeploy'; outcome: UndeployOutcome }
  | { kind: 'prune'; lines: PruneLine[]; dryRun: boolean }
  /** command: report: what it reported on. */
  | { kind: 'report'; stage: string; url: string };
