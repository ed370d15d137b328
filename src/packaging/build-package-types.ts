/** What buildPackage takes and gives: its options and services, the zips it wrote, and its size refusal. */
import { type Settings } from '../model/settings.js';
import { type Surface } from '../settings/surface.js';
import type { Logger } from '../util/logger.js';
import type { CommandRunner } from './command-runner.js';
import { type SizeEntry } from './size-check.js';
import { type SlimPackage } from './slim-package.js';
import { InstallReuse } from './install-reuse.js';
import { type BuildFor } from './hash-failure.js';
import { type WriteZipOptions } from './zip-writer.js';

export type BuildPackageOptions = Pick<
  Settings,
  | 'name'
  | 'path'
  | 'runtime'
  | 'architecture'
  | 'handler'
  | 'app'
  | 'requirements'
  | 'pipArgs'
  | 'include'
  | 'exclude'
  | 'dependenciesLayer'
  | 'packageCache'
> & {
  /** Where the zips are written (created when missing). */
  outDir: string;
  /** outDir is removed when the run ends (the CLI's): the log then names no path in it. */
  temporaryOutDir?: boolean;
  /** Symbolic links may point anywhere inside it (settings.workspace); default: path itself. */
  workspace?: string;
  /** Unzipped size of the attached layers, counted in Lambda's limit. */
  layerBytes?: number;
  /** The WSGI/ASGI adapter copied in with `app` (default: the one shipped in runtime/python/). */
  adapterPath?: string;
  /**
   * `keep-warm` is set. A plain handler (no `app`) is then wrapped: the
   * runtime's warm-up wrapper and `{"handler": ...}` in the settings file go
   * into the package root and the function's handler becomes
   * `_lambda_deploy_warm.handler`, which answers the keep-warm ping itself and
   * hands every other event to settings.handler. With `app` nothing changes:
   * the adapter already answers the ping.
   */
  keepWarm?: boolean;
  /** The wrapper copied in with keepWarm (default: the one shipped in runtime/python/ or runtime/node/). */
  warmWrapperPath?: string;
  /** Tuning for the zip writer (tests, benchmark). */
  zip?: WriteZipOptions;
  /** The layers attached to the function: one may hold a Node.js dependency the package lacks. */
  layers?: readonly string[];
  /** `slim` (default auto), and the function's memory and timeout for the cold-start estimate. */
  slim?: Settings['slim'];
  memory?: number;
  timeout?: number;
};

export interface BuildPackageDeps {
  logger: Logger;
  runner?: CommandRunner;
  /** Environment for pip (LAMBDA_DEPLOY_PYTHON, proxies). */
  env?: NodeJS.ProcessEnv;
  /** Who reads pip's advice: the action's inputs (default) or the CLI's flags. */
  surface?: Surface;
  /** The command that builds (default deploy): a refused install closes with what it stopped. */
  buildFor?: BuildFor;
  /** Installs kept between the builds of a session (serve --watch): unchanged inputs reuse the last one. */
  installs?: InstallReuse;
}

/** A written zip. */
export interface PackageArtifact {
  zipPath: string;
  /** Base64 SHA-256 of the zip: Lambda's CodeSha256. */
  codeSha256: string;
  sha256Hex: string;
  packageBytes: number;
  unpackedBytes: number;
  fileCount: number;
}

export interface DependenciesLayerArtifact extends PackageArtifact {
  /**
   * Hex SHA-256 of the requirements file's content, the runtime, the
   * architecture and pip-args: a layer published for this key can be reused.
   */
  key: string;
}

export interface PackageResult extends PackageArtifact {
  /** The ten largest top-level folders/files of the function package. */
  largest: SizeEntry[];
  /**
   * The handler Lambda must call: the adapter's with `app`, the warm-up
   * wrapper's with keepWarm, else settings.handler.
   */
  handler: string;
  /** With dependencies-layer and requirements: the layer zip (Lambda layout `python/...`). */
  dependencies?: DependenciesLayerArtifact;
  /** A slim package: the dependencies archive fetched at cold start (see slim-package.ts). */
  slim?: SlimPackage;
  /**
   * The function zip's entries that are files of `path` (zip entry -> the file's path
   * there, or in the repository for a sibling workspace package's): the local runtime
   * names these, not its unpacked copies, in tracebacks. Installed requirements,
   * registry packages and generated files are not among them.
   */
  sourceFiles?: ReadonlyMap<string, string>;
}

export class PackageTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageTooLargeError';
  }
}
