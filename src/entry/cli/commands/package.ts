import { copyFile, mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { makePlan } from '../../../model/plan.js';
import { runPipeline } from '../../../pipelines/run-pipeline.js';
import { isInside } from '../../../util/paths.js';
import type { CliCommand, CommandResult } from '../command.js';
import { INPUT_FLAGS as F, UsageError } from '../flags.js';
import { CODE_FLAGS } from './shared-flags.js';

/** The path with links resolved: its nearest existing ancestor's real path, then the rest as given. */
async function realish(path: string): Promise<string> {
  const real = await realpath(path).catch(() => undefined);
  if (real) return real;
  const parent = dirname(path);
  return parent === path ? path : join(await realish(parent), basename(path));
}

/**
 * Where --output puts the zip (into an existing folder, else at that path),
 * checked before anything is built: outside the folder being packaged, since
 * a zip left there would be packaged by the next run.
 */
async function outputTarget(output: string, source: string, name: string): Promise<string> {
  const target = resolve(output);
  const isDir = (await stat(target).catch(() => undefined))?.isDirectory() ?? false;
  // README: PATH is a file, or an existing folder; a trailing slash says folder.
  if (/[\\/]$/.test(output) && !isDir)
    throw new UsageError(
      `--output: ${JSON.stringify(output)} ends in a slash but ${target} is not an existing folder; ` +
        `expected an existing folder, or a file path like ${join(output, `${name}.zip`)}`,
      'package',
    );
  if (isInside(await realish(source), await realish(target))) {
    const outside = join(dirname(source), isDir ? `${name}.zip` : basename(target));
    throw new UsageError(
      `--output: ${JSON.stringify(output)} is inside the folder being packaged (${source}): ` +
        `the next package would include it; expected a path outside it, like ${isAbsolute(output) ? outside : relative(process.cwd(), outside)}`,
      'package',
    );
  }
  return target;
}

/** The kept zip's path: in the folder under its own name, else the target itself (its folder made). */
async function destination(target: string, zipPath: string): Promise<string> {
  if ((await stat(target).catch(() => undefined))?.isDirectory()) return join(target, basename(zipPath));
  await mkdir(dirname(target), { recursive: true });
  return target;
}

export const packageCommand: CliCommand = {
  name: 'package',
  summary: "build the zip and check it against Lambda's size limits",
  usage: '--name NAME [--path DIR] [--output PATH]',
  description: [
    'Builds the reproducible zip a deploy would upload (dependencies installed for',
    "Lambda's platform, no Docker), checks it against Lambda's size limits and prints",
    'its code-sha256 and sizes. The zip is kept only where --output says.',
  ].join('\n'),
  flags: [
    F.name,
    ...CODE_FLAGS,
    F.dependenciesLayer,
    F.keepWarm,
    {
      name: 'output',
      kind: 'value',
      arg: 'PATH',
      help: 'keep the zip: a file path or an existing folder, outside --path (default: not kept)',
    },
  ],
  usesAws: false,
  async run(ctx) {
    const output = ctx.flags.own.output;
    const settings = ctx.settings({ command: 'package' });
    const target = output ? await outputTarget(output, settings.path, settings.name) : undefined;
    const plan = makePlan(settings, ctx.github);
    const run = await runPipeline(settings, plan, ctx.github, await ctx.buildDeps());
    if (run.result.kind !== 'package') return { exitCode: 1, error: run.failure ?? 'nothing was built' };
    const { pkg } = run.result;
    const result: CommandResult = {
      'code-sha256': pkg.codeSha256,
      'package-bytes': pkg.packageBytes,
      'unpacked-bytes': pkg.unpackedBytes,
      files: pkg.fileCount,
      handler: pkg.handler,
    };
    if (target) {
      const kept = await destination(target, pkg.zipPath);
      await copyFile(pkg.zipPath, kept);
      result['package-path'] = kept;
      if (pkg.dependencies) {
        const layer = kept.replace(/(\.zip)?$/, '-dependencies.zip');
        await copyFile(pkg.dependencies.zipPath, layer);
        result['dependencies-path'] = layer;
      }
    } else {
      ctx.logger.info('The zip was not kept: --output PATH keeps it.');
    }
    return { exitCode: 0, result };
  },
};
