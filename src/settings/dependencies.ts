/** The requirements, pip-args and package-cache inputs. */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { isInside } from '../util/paths.js';
import { redact } from '../util/redact.js';
import { show, type Checked, type InputReader } from './input-reader.js';
import { splitArgs } from './input-lists.js';
import { Inputs } from './names.js';
import { binaryOverride } from './pip-binary-options.js';
import { placementOverride } from './pip-options.js';
import { isPythonRuntime } from './runtimes.js';
import { realOrResolved, type Source } from './source-folder.js';
import { inputName, type Surface } from './surface.js';

const DEFAULT_REQUIREMENTS = 'requirements.txt';

/** The Python requirements file: given (inside the workspace) or requirements.txt found in path. */
function readRequirements(r: InputReader, source: Source, runtime: string): string | undefined {
  const python = isPythonRuntime(runtime);
  if (!python) {
    if (r.given(Inputs.Requirements))
      r.bad(
        Inputs.Requirements,
        `a Python runtime (runtime is ${show(runtime)}; Node.js packages are taken as they are)`,
      );
    return undefined;
  }
  if (!source.usable) return undefined;
  const file = r.value(Inputs.Requirements);
  if (!file) {
    const found = source.listing.find((f) => f === DEFAULT_REQUIREMENTS);
    return found ? resolve(source.path, found) : undefined;
  }
  const requirements = isAbsolute(file) ? file : resolve(source.path, file);
  if (!existsSync(requirements))
    r.bad(
      Inputs.Requirements,
      `a file relative to ${inputName(r.surface, Inputs.Path)} (resolved to ${requirements})${fromWorkspace(file, source, r.surface)}`,
    );
  else if (!isInside(source.workspace, realOrResolved(requirements)))
    r.bad(
      Inputs.Requirements,
      `a file inside the workspace ${source.workspace} (resolved to ${realOrResolved(requirements)})`,
    );
  return requirements;
}

/**
 * `, here "requirements.txt" (...)` when the file was written from another folder, as pip-args are:
 * the workspace (or the current directory); in a terminal, the current folder, or the repository's
 * root above it, whichever the file was found from, named as it is.
 */
function fromWorkspace(file: string, source: Source, surface: Surface): string {
  if (isAbsolute(file)) return '';
  const bases: [string, string][] =
    surface === 'terminal'
      ? [
          // In a GitHub job the CLI's inputs start from GITHUB_WORKSPACE, wherever it runs.
          [
            source.base,
            source.base === realOrResolved(process.cwd())
              ? 'the current folder'
              : `the workspace ${source.base}`,
          ],
          [source.workspace, `the repository's root ${source.workspace}`],
        ]
      : [
          [source.workspace, 'the workspace'],
          [process.cwd(), 'the workspace'],
        ];
  const found = bases
    .map(([base, said]) => ({ path: resolve(base, file), said }))
    .find(
      ({ path }) =>
        existsSync(path) && statSync(path).isFile() && isInside(source.workspace, realOrResolved(path)),
    );
  if (!found) return '';
  return `, here ${show(relative(source.path, found.path))} (relative to ${inputName(surface, Inputs.Path)}, not to ${found.said})`;
}

/** How dependencies are installed and where built packages are cached. */
export function readDependencies(
  r: InputReader,
  source: Source,
  runtime: string,
): Checked<'requirements' | 'pipArgs' | 'packageCache'> {
  const requirements = readRequirements(r, source, runtime);
  let pipArgs: string[] = [];
  try {
    pipArgs = splitArgs(r.value(Inputs.PipArgs));
  } catch (e) {
    // Shown redacted: an --index-url may carry a password, and no secret is masked yet.
    r.bad(Inputs.PipArgs, `shell-like arguments (${(e as Error).message})`, redact(r.value(Inputs.PipArgs)));
  }
  const override = binaryOverride(pipArgs);
  if (override)
    r.bad(
      Inputs.PipArgs,
      `no ${override}: lambda-deploy installs every package as a wheel for Lambda's platform (--only-binary=:all:); a source build is compiled for the machine pip runs on, and fails to import on Lambda`,
      redact(r.value(Inputs.PipArgs)),
    );
  const placement = placementOverride(pipArgs);
  if (placement)
    r.bad(
      Inputs.PipArgs,
      `no ${placement}: lambda-deploy installs the packages into the package it builds (--target)`,
      redact(r.value(Inputs.PipArgs)),
    );
  let packageCache: string | undefined;
  if (r.given(Inputs.PackageCache)) {
    packageCache = resolve(source.base, r.value(Inputs.PackageCache));
    if (existsSync(packageCache) && !statSync(packageCache).isDirectory())
      r.bad(Inputs.PackageCache, `a folder, or a path where one can be created (${packageCache} is a file)`);
  }
  return { requirements, pipArgs, packageCache };
}
