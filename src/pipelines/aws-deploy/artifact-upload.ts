import { publishArtifact } from '../../resources/artifacts/artifact-bucket.js';
import type { HeldLogger } from '../../util/held-logger.js';
import type { PackageResult } from '../../packaging/build-package-types.js';
import type { Settings } from '../../model/settings.js';
import type { AwsSession } from '../aws-session.js';

/**
 * The deploy's package stored in the artifact bucket (content-addressed: the
 * bucket made ready, the zip uploaded unless it is there), once `mayWrite` opens.
 */
export function storePackage(
  settings: Settings,
  pkg: PackageResult,
  session: AwsSession,
  logger: HeldLogger,
  mayWrite: Promise<void>,
) {
  const { clients, accountId, awsDeps } = session;
  return publishArtifact(
    clients.s3,
    {
      bucket: settings.s3Bucket,
      region: clients.region,
      accountId,
      name: settings.name,
      zipPath: pkg.zipPath,
      sha256Hex: pkg.sha256Hex,
      codeSha256: pkg.codeSha256,
    },
    { ...awsDeps, logger },
    mayWrite,
  );
}
