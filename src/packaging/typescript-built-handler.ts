/**
 * A Node.js handler written in TypeScript (`src/index.handler` with src/index.ts there): the
 * JavaScript tsc built from it into tsconfig.json's outDir, and whether that exports the handler's
 * name, for missingModuleError() to name it (deploy and init alike).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { builtJavaScript, tsconfigOutput } from '../util/tsconfig-out-dir.js';
import { exportLook, type HandlerTarget, type MissingModuleContext } from './handler-check.js';

/** The handler's module as TypeScript (`index.ts` beside the `index.js` looked for), when it is on disk. */
function handlerTypeScript(path: string, jsFile: string): string | undefined {
  const base = jsFile.replace(/\.js$/, '');
  return ['.ts', '.mts', '.cts'].map((ext) => base + ext).find((f) => existsSync(join(path, f)));
}

/**
 * The handler's TypeScript source in `path`, and the JavaScript tsc built from it where `located`
 * finds it (the packaged file's path on disk for a deploy; the folder's own for init), with what
 * the same static look as the handler check tells of its exports. None for a Python handler.
 */
export async function typeScriptContext(
  path: string,
  target: HandlerTarget,
  located: (file: string) => string | undefined,
): Promise<Pick<MissingModuleContext, 'typeScript' | 'typeScriptBuilt'>> {
  const typeScript = target.python ? undefined : handlerTypeScript(path, target.files[0]!);
  if (!typeScript) return {};
  const built = builtJavaScript(
    typeScript,
    tsconfigOutput(path),
    (f) => located(f) !== undefined,
    (f) => existsSync(join(path, f)),
  );
  if (!built) return { typeScript };
  const look = await exportLook(located(built)!, built, target.name);
  return { typeScript, typeScriptBuilt: { file: built, ...look } };
}
