import { buildPackage, defaultOutDir } from '../packaging/build-package.js';
import { type PackageResult } from '../packaging/build-package-types.js';
import type { InstallReuse } from '../packaging/install-reuse.js';
import type { BuildFor } from '../packaging/hash-failure.js';
import type { DeployReport } from '../model/outcome.js';
import type { Settings } from '../model/settings.js';
import type { PipelineDeps } from './pipeline-deps.js';

/** Which command builds: package writes a zip, serve (a local stage kept running) serves it, the rest deploy. */
function buildFor(settings: Settings, deps: PipelineDeps): BuildFor {
  if (settings.command === 'package') return 'package';
  return deps.keepLocalRunning ? 'serve' : 'deploy';
}

/**
 * Builds the package (pip install, zip, size check) into deps.outDir (default
 * RUNNER_TEMP, for later steps); `installs`: a session's kept installs (serve).
 */
export async function packageStep(
  settings: Settings,
  deps: PipelineDeps,
  layerBytes = 0,
  installs?: InstallReuse,
): Promise<PackageResult> {
  return deps.logger.group('Package', () =>
    buildPackage(
      {
        ...settings,
        outDir: deps.outDir ?? defaultOutDir(deps.env),
        temporaryOutDir: deps.temporaryOutDir,
        layerBytes,
        keepWarm: Boolean(settings.keepWarm),
      },
      {
        logger: deps.logger,
        env: deps.env,
        ...(deps.surface && { surface: deps.surface }),
        buildFor: buildFor(settings, deps),
        ...(installs && { installs }),
      },
    ),
  );
}

/** What a deploy report says of the package it deployed. */
export function packageFacts(
  pkg: PackageResult,
): Pick<DeployReport, 'codeSha256' | 'packageBytes' | 'unpackedBytes' | 'packagePath'> {
  return {
    codeSha256: pkg.codeSha256,
    packageBytes: pkg.packageBytes,
    unpackedBytes: pkg.unpackedBytes,
    packagePath: pkg.zipPath,
  };
}
