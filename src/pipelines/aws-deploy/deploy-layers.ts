/**
 * The deploy's layers: counted in Lambda's 250 MB limit once signed in, and
 * the requirements' dependencies layer published.
 */
import { publishArtifact } from '../../resources/artifacts/artifact-bucket.js';
import { ensureDependenciesLayer } from '../../resources/layers/dependencies-layer.js';
import { layersUnzippedBytes } from '../../resources/layers/layer-size.js';
import { PackageTooLargeError, type PackageResult } from '../../packaging/build-package-types.js';
import { installsRequirements } from '../../packaging/python-requirements.js';
import { checkPackageSize, formatBytes } from '../../packaging/size-check.js';
import type { Settings } from '../../model/settings.js';
import type { AwsSession } from '../aws-session.js';
import { packageStep } from '../package-pipeline.js';
import type { PipelineDeps } from '../pipeline-deps.js';

/**
 * Lambda counts attached layers in the 250 MB unzipped limit: measured once
 * signed in, before anything is uploaded. A Python package that fits alone
 * but not with its layers is built again with them counted, so that `slim`
 * (auto or true) moves its requirements out of the zip, as it does for a
 * package too large alone; any other is refused.
 */
export async function countLayers(
  settings: Settings,
  pkg: PackageResult,
  session: AwsSession,
  deps: PipelineDeps,
): Promise<PackageResult> {
  if (!settings.layers.length) return pkg;
  const sizes = await layersUnzippedBytes(session.clients.lambda, settings.layers, session.awsDeps);
  const check = checkPackageSize({
    ...(session.awsDeps.surface && { surface: session.awsDeps.surface }),
    unpackedBytes: pkg.unpackedBytes + (pkg.dependencies?.unpackedBytes ?? 0),
    layerBytes: sizes.totalBytes,
    files: pkg.largest,
  });
  session.awsDeps.logger.info(
    `Layers: ${formatBytes(sizes.totalBytes)} unzipped${sizes.exact ? '' : ' at least (from their zipped sizes)'}, counted in the 250 MB limit`,
  );
  if (!check.error) return pkg;
  const slimPossible = !pkg.slim && settings.slim !== 'false' && installsRequirements(settings);
  if (!slimPossible) throw new PackageTooLargeError(check.error);
  deps.logger.info(
    `The package and its layers together pass Lambda's 250 MB limit: building it again with the layers counted (slim: ${settings.slim}).`,
  );
  return packageStep(settings, deps, sizes.totalBytes);
}

/** With dependencies-layer: the requirements' layer, reused while its content key is unchanged (`publish`: published again). */
export async function dependenciesLayer(
  settings: Settings,
  pkg: PackageResult,
  session: AwsSession,
  publish = false,
): Promise<string[]> {
  const layer = pkg.dependencies;
  if (!layer) return [];
  const { clients, accountId, awsDeps } = session;
  const uploaded = await publishArtifact(
    clients.s3,
    {
      bucket: settings.s3Bucket,
      region: clients.region,
      accountId,
      name: settings.name,
      zipPath: layer.zipPath,
      sha256Hex: layer.sha256Hex,
      codeSha256: layer.codeSha256,
    },
    awsDeps,
  );
  const result = await ensureDependenciesLayer(
    clients.lambda,
    {
      project: settings.name,
      runtime: settings.runtime,
      architecture: settings.architecture,
      key: layer.key,
      zipPath: layer.zipPath,
      codeSha256: layer.codeSha256,
      bucket: uploaded.bucket,
      s3Key: uploaded.key,
      publish,
    },
    awsDeps,
  );
  return [result.layerVersionArn];
}
