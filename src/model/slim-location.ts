/**
 * Where a slim package's dependencies archive lives: names only, no I/O
 * (the upload is src/resources/artifacts/slim-artifact.ts).
 *
 * `s3://{bucket}/lambda-deploy-slim/{project}/{production|preview}/{sha256-hex}.tar.gz`:
 * - content-addressed like the zips, so stages and redeploys with the same
 *   requirements share one upload;
 * - outside `lambda-deploy/`, the prefix whose objects the default bucket's
 *   lifecycle rule expires after 30 days: Lambda keeps its own copy of a zip,
 *   but the function reads this archive at every cold start, so it must stay;
 * - one folder for production's functions and one for previews': the preview
 *   deploy role may write only the latter and a preview execution role read
 *   only the latter, so a pull request can neither replace the archive a
 *   production cold start fetches (it would fail its SHA-256 check: an outage)
 *   nor read production's. `lambda-deploy setup` grants each execution role
 *   s3:GetObject on its folder up front (src/resources/execution-role/execution-policy.ts), so no
 *   deploy, and no preview job, ever writes IAM for it.
 */
export const SLIM_PREFIX = 'lambda-deploy-slim/';

export type SlimKind = 'production' | 'preview';

/** The environment variables the loader reads (runtime/python/_lambda_deploy_slim.py). */
export const SlimEnv = {
  Bucket: 'LAMBDA_DEPLOY_SLIM_BUCKET',
  Key: 'LAMBDA_DEPLOY_SLIM_KEY',
  Owner: 'LAMBDA_DEPLOY_SLIM_OWNER',
} as const;

/** A protected stage's functions run under the production execution role, the others under the preview one. */
export function slimKind(protectedStage: boolean): SlimKind {
  return protectedStage ? 'production' : 'preview';
}

/** `lambda-deploy-slim/{project}/{kind}/`: what an execution role of that kind may read. */
export function slimArchivePrefix(project: string, kind: SlimKind): string {
  return `${SLIM_PREFIX}${project}/${kind}/`;
}

export function slimArchiveKey(project: string, kind: SlimKind, sha256Hex: string): string {
  return `${slimArchivePrefix(project, kind)}${sha256Hex}.tar.gz`;
}

/** The function's variables naming the archive (the account that must own the bucket too, on AWS). */
export function slimEnvironment(location: {
  bucket: string;
  key: string;
  owner?: string;
}): Record<string, string> {
  return {
    [SlimEnv.Bucket]: location.bucket,
    [SlimEnv.Key]: location.key,
    ...(location.owner ? { [SlimEnv.Owner]: location.owner } : {}),
  };
}
