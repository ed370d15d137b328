/**
 * What the per-kind finders and removers of a stage share: the clients, the
 * stage they look for, what the tagging API listed for it, the rule that a
 * resource's own tags decide, and removal's patience. Each kind's finder
 * lives with its kind (resources/function, front-door, warm-up, logs);
 * find-stage-resources.ts puts them together.
 */
import type { AwsClients } from '../../aws/clients.js';
import { findAws, PATIENCE, type AwsCall, type RetryDeps } from '../../aws/aws-call.js';
import { tagMismatch, type StageOwner } from './tag-guard.js';

export type CleanupClients = Pick<
  AwsClients,
  'lambda' | 'apiGateway' | 'apiGatewayV2' | 'tagging' | 'events' | 'logs'
>;

/** Every found resource carries a label for logs and summaries, e.g. "REST API shop-pr-1 (a1b2c3)". */
export interface Labelled {
  label: string;
}

export interface SkippedResource {
  resource: string;
  why: string;
}

export interface FindTarget {
  project: string;
  stage: string;
  /** owner/repo: a same-name stage of another repository is never ours. */
  repository: string;
  /** `{name}-{stage}` as the plan computed it. */
  functionName: string;
  /** Look for the functions' log groups (remove-logs). */
  includeLogs: boolean;
}

/** What the tagging API listed with both the project and the stage tag, by kind. */
export interface TaggedIndex {
  functions: Set<string>;
  restApis: Set<string>;
  httpApis: Set<string>;
  usagePlans: Set<string>;
  apiKeys: Set<string>;
  /** By rule ARN. */
  rules: Map<string, { name: string; eventBusName?: string }>;
  logGroups: Set<string>;
}

/** An index with nothing in it yet. */
export function emptyTaggedIndex(): TaggedIndex {
  return {
    functions: new Set(),
    restApis: new Set(),
    httpApis: new Set(),
    usagePlans: new Set(),
    apiKeys: new Set(),
    rules: new Map(),
    logGroups: new Set(),
  };
}

export const NAME_MATCHES = 'name matches but ';
export const INDEX_DISAGREES = 'listed by the tagging API for this stage, but its own tags disagree: ';

/** One search for a stage's resources, shared by the finders of each kind. */
export class StageSearch {
  readonly skipped: SkippedResource[] = [];
  readonly owner: StageOwner;

  constructor(
    readonly clients: CleanupClients,
    readonly target: FindTarget,
    readonly tagged: TaggedIndex,
    readonly deps: RetryDeps,
  ) {
    this.owner = { project: target.project, stage: target.stage, repository: target.repository };
  }

  /** Reports a resource that is never touched, and why. */
  skip(resource: string, why: string): void {
    this.skipped.push({ resource, why });
  }

  /**
   * Own tags decide; `fromIndex` words the reason for a tagging-API hit
   * whose tags changed since (else: a name match whose tags disagree).
   */
  belongs(resource: string, tags: Record<string, string> | undefined, fromIndex: boolean): boolean {
    const mismatch = tagMismatch(tags, this.owner);
    if (mismatch) this.skip(resource, (fromIndex ? INDEX_DISAGREES : NAME_MATCHES) + mismatch);
    return !mismatch;
  }
}

/** A call of the cleanup: patient with API Gateway's delete quotas (PATIENCE.removal). */
export function removalCall(what: string, permission: string, extra: Partial<AwsCall> = {}): AwsCall {
  return { what, permission, patience: PATIENCE.removal, ...extra };
}

/** Runs a delete: true when this run removed it, false when it was already gone. */
export async function removeOrGone(
  deps: RetryDeps,
  call: AwsCall,
  fn: () => Promise<unknown>,
): Promise<boolean> {
  return (await findAws(deps, call, async () => (await fn()) ?? true)) !== undefined;
}
