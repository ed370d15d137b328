/** What a deploy role's policy is made for: the role, the project, the account, the features it covers. */
import type { Partition } from '../model/policy-document.js';
import type { GatewayKind } from '../model/settings.js';
import { DEFAULT_PROTECTED_STAGES } from '../model/protected-stages.js';

/** Which deploy role a policy is for. */
export type DeployRoleKind = 'production' | 'preview';

export interface DeployPolicyOptions {
  /** The `name` input: every resource name starts with it. */
  project: string;
  /** A region, or '*' for a role that deploys to any region. */
  region: string;
  accountId: string;
  /** The front door; 'all' when stages may use different kinds (or the kind may change). */
  gateway: GatewayKind | 'all';
  /** The `s3-bucket` input. Absent: the bucket the action creates, `lambda-deploy-{account}-{region}`. */
  bucket?: string;
  /** True unless `execution-role-arn` is given. */
  managesExecutionRole: boolean;
  /** The `execution-role-arn` input, when the action does not manage the role. */
  executionRoleArn?: string;
  /** `keep-warm` is set (an EventBridge schedule per stage). */
  keepWarm?: boolean;
  /** `provisioned-concurrency` is set (0 included: removing it needs the permission too). */
  provisionedConcurrency?: boolean;
  /** `dependencies-layer: true`: the project's own layer `{project}-deps`. */
  layers?: boolean;
  /** The `layers` input: attaching a layer needs lambda:GetLayerVersion on it. */
  attachedLayers?: readonly string[];
  /** Which role; default production (also the policy of a single-role setup). */
  role?: DeployRoleKind;
  /** The `protected-stages` input: stages the preview role may not touch. */
  protectedStages?: readonly string[];
  /** `owner/repo`: resources tagged for another repository are off limits. */
  repository?: string;
  partition?: Partition;
}

/** Lower-cased, deduplicated, as the settings module reads protected-stages. */
export function protectedStagesOf(options: DeployPolicyOptions): string[] {
  return [...new Set((options.protectedStages ?? DEFAULT_PROTECTED_STAGES).map((s) => s.toLowerCase()))];
}
