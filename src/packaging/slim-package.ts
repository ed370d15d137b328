/**
 * The slim step of the build (called by build-package.ts once the
 * requirements are installed): decide, check the limits, write the
 * dependencies archive, time its unpack, and hand back what the function zip
 * then carries instead (the loader, its settings, its handler).
 */
import type { Logger } from '../util/logger.js';
import type { Surface } from '../settings/surface.js';
import { treeDiskBytes } from './slim-archive.js';
import {
  buildSlimArtifact,
  SLIM_FILE,
  SLIM_HANDLER,
  slimModulePath,
  type UnpackResult,
} from './slim-build.js';
import {
  checkSlimSize,
  coldStartEstimate,
  decideSlim,
  ephemeralStorageMb,
  type ColdStartEstimate,
  type SlimSetting,
} from './slim-plan.js';
import { checkPackageSize, formatBytes, formatCount, type SizeEntry } from './size-check.js';
import type { ZipEntrySource } from './zip-writer.js';

/** A slim package's dependencies archive, as the deploy and the reports need it. */
export interface SlimPackage {
  archivePath: string;
  /** Size of the archive. */
  bytes: number;
  sha256Hex: string;
  unpackedBytes: number;
  /** The unpacked tree on a file system of 4 KiB blocks. */
  diskBytes: number;
  files: number;
  /** The function's ephemeral storage (/tmp) for it. */
  ephemeralStorageMb: number;
  /** The unpack, timed in this build with the function's own loader. */
  unpack: UnpackResult;
  estimate: ColdStartEstimate;
  /** Why the package is slim. */
  reason: string;
}

export interface SlimPackInput {
  name: string;
  runtime: string;
  slim?: SlimSetting;
  memory?: number;
  timeout?: number;
  dependenciesLayer: boolean;
  outDir: string;
  /** outDir is removed when the run ends: the log then names no path in it. */
  temporaryOutDir?: boolean;
  /** The handler the package has so far (adapter, keep-warm wrapper or the user's). */
  handler: string;
  /** The installed requirements (with sizes). */
  dependencies: readonly ZipEntrySource[];
  /** Everything else in the function zip (code, generated files). */
  otherFiles: readonly SizeEntry[];
  layerBytes: number;
}

export interface SlimPackDeps {
  logger: Logger;
  /** The Python that times the unpack (the packager's). */
  python: string;
  /** The error a package too large for Lambda is reported with. */
  tooLarge: (message: string) => Error;
  /** Who reads the advice of a too-large error: the action's inputs (default) or the CLI's flags. */
  surface?: Surface;
}

export interface SlimPackResult {
  artifact: SlimPackage;
  /** Under "slim" in _lambda_deploy_settings.json, read by the loader. */
  settings: {
    handler: string;
    sha256: string;
    bytes: number;
    unpackedBytes: number;
    diskBytes: number;
    files: number;
  };
  moduleFile: string;
  modulePath: string;
  /** The function's handler from now on: the loader's. */
  handler: string;
}

/** What the slim build made and what it costs at cold start, in the step log. */
function logArchive(
  logger: SlimPackDeps['logger'],
  written: Awaited<ReturnType<typeof buildSlimArtifact>>,
  estimate: ReturnType<typeof coldStartEstimate>,
  storage: number,
  temporary?: boolean,
): void {
  logger.info(
    `Dependencies archive: ${formatBytes(written.bytes)} (tar.gz), ${formatBytes(written.unpackedBytes)} unpacked, ` +
      `${formatCount(written.files)} files${temporary ? '' : ` (${written.path})`}`,
  );
  logger.info(`Cold start: ${estimate.measured}; ${estimate.atMemory}.`);
  logger.info(
    `Ephemeral storage (/tmp): ${formatCount(storage)} MB for the unpacked dependencies and the function's own use.`,
  );
  if (estimate.warning) logger.warning(estimate.warning);
}

/** Undefined when the package is not slim; the build then goes on as usual. */
export async function packSlimDependencies(
  input: SlimPackInput,
  deps: SlimPackDeps,
): Promise<SlimPackResult | undefined> {
  const { logger } = deps;
  const sizes = input.dependencies.map((d) => ({
    path: d.name,
    name: d.name,
    bytes: d.data?.length ?? d.size ?? 0,
    size: d.data?.length ?? d.size ?? 0,
  }));
  const dependencyBytes = sizes.reduce((n, s) => n + s.bytes, 0);
  const otherBytes = input.otherFiles.reduce((n, f) => n + f.bytes, 0);
  const decision = decideSlim({
    setting: input.slim ?? 'auto',
    python: input.runtime.startsWith('python'),
    functionBytes: otherBytes,
    dependencyBytes,
    dependencyFiles: sizes.length,
    layerBytes: input.layerBytes,
  });
  if (decision.warning) logger.warning(decision.warning);
  if (!decision.slim) return undefined;
  logger.info(
    `Slim package: ${decision.reason}. The requirements go into an archive the function fetches at cold start.`,
  );
  if (input.dependenciesLayer)
    logger.info(
      'dependencies-layer: the requirements go into the slim archive instead (a layer counts in the 250 MB limit).',
    );

  // Both limits before anything is written: the zip and its layers, then the tree in /tmp.
  const zipPart = checkPackageSize({
    ...(deps.surface && { surface: deps.surface }),
    unpackedBytes: otherBytes,
    layerBytes: input.layerBytes,
    files: input.otherFiles,
  });
  if (zipPart.error) throw deps.tooLarge(zipPart.error);
  const diskBytes = treeDiskBytes(sizes);
  const tooBig = checkSlimSize({ dependencyDiskBytes: diskBytes, dependencyBytes, dependencies: sizes });
  if (tooBig) throw deps.tooLarge(tooBig);

  const written = await buildSlimArtifact(
    input.outDir,
    `${input.name}-deps`,
    input.dependencies,
    deps.python,
  );
  const storage = ephemeralStorageMb(written.diskBytes)!;
  const estimate = coldStartEstimate(written.unpack, written.bytes, input.memory ?? 256, input.timeout ?? 30);
  logArchive(logger, written, estimate, storage, input.temporaryOutDir);
  return {
    artifact: {
      archivePath: written.path,
      bytes: written.bytes,
      sha256Hex: written.sha256Hex,
      unpackedBytes: written.unpackedBytes,
      diskBytes: written.diskBytes,
      files: written.files,
      ephemeralStorageMb: storage,
      unpack: written.unpack,
      estimate,
      reason: decision.reason,
    },
    settings: {
      handler: input.handler,
      sha256: written.sha256Hex,
      bytes: written.bytes,
      unpackedBytes: written.unpackedBytes,
      diskBytes: written.diskBytes,
      files: written.files,
    },
    moduleFile: SLIM_FILE,
    modulePath: slimModulePath(),
    handler: SLIM_HANDLER,
  };
}
