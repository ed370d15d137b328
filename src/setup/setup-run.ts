/**
 * One run of `lambda-deploy setup`: what it reports, and the read, write and
 * create steps every resource goes through (with dryRun a write is only
 * recorded).
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { callAws, hasErrorName, httpStatus, type AwsDeps } from '../aws/aws-call.js';
import type { PolicyDocument } from '../model/policy-document.js';

export interface SetupClients {
  iam: IAMClient;
  s3: S3Client;
  /** To find stages still tagged with a renamed repository's old name. */
  tagging?: ResourceGroupsTaggingAPIClient;
}

/** One write setup makes (or, with dryRun, would make). */
export interface SetupChange {
  /** `create`, `update`. */
  kind: 'create' | 'update';
  /** "role shop-deploy-preview", "bucket lambda-deploy-...". */
  resource: string;
  /** What changes: "trust policy", "inline policy lambda-deploy", "public access block". */
  what: string;
}

export interface SetupReport {
  dryRun: boolean;
  changes: SetupChange[];
  /** What was already right. */
  unchanged: string[];
  productionRoleArn: string;
  previewRoleArn: string;
}

export interface Run {
  clients: SetupClients;
  deps: AwsDeps;
  dryRun: boolean;
  report: SetupReport;
  /** `--previous-repository`: the name the repository had, which its deploy roles may still carry. */
  previousRepository?: string;
  /** The old name as the deploy roles carried it, once a role was moved from it. */
  movedFrom?: string;
}

/** Same JSON document, whatever the spacing or URL-encoding IAM returns it in. */
export function sameDocument(current: string | undefined, wanted: PolicyDocument): boolean {
  if (current === undefined) return false;
  try {
    const text = current.trimStart().startsWith('{') ? current : decodeURIComponent(current);
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(wanted);
  } catch {
    return false;
  }
}

/** A read that answers undefined when AWS says the thing is not there. */
export async function read<T>(
  run: Run,
  what: string,
  permission: string,
  missing: string[],
  fn: () => Promise<T>,
): Promise<T | undefined> {
  const absent = (e: unknown) =>
    hasErrorName(e, ...missing) || (missing.includes('404') && httpStatus(e) === 404);
  try {
    return await callAws(run.deps, { what, permission, passThrough: absent }, fn);
  } catch (error) {
    if (absent(error)) return undefined;
    throw error;
  }
}

/** A write: recorded always, made unless dry-run. */
export async function write(
  run: Run,
  change: SetupChange,
  permission: string,
  fn: () => Promise<unknown>,
): Promise<void> {
  run.report.changes.push(change);
  if (run.dryRun) return;
  run.deps.logger.info(
    `${change.kind === 'create' ? 'Creating' : 'Updating'} ${change.resource}: ${change.what}`,
  );
  await callAws(
    run.deps,
    {
      what: `${change.kind} ${change.resource} (${change.what})`,
      permission,
    },
    fn,
  );
}

/**
 * A create: false when IAM answers that the entity exists, which is what the
 * SDK's retry of a create that took effect (a 5xx, a dropped connection)
 * meets, or a setup running alongside. The caller then reads it again and
 * compares, as on a second run.
 */
export async function create(
  run: Run,
  change: SetupChange,
  permission: string,
  fn: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await write(run, change, permission, fn);
    return true;
  } catch (error) {
    if (!hasErrorName(error, 'EntityAlreadyExists')) throw error;
    run.report.changes.splice(run.report.changes.indexOf(change), 1);
    run.deps.logger.info(`${change.resource} exists already: comparing it with what setup writes.`);
    return false;
  }
}
