import { copyFile, mkdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { makePlan } from '../../../model/plan.js';
import { runPipeline } from '../../../pipelines/run-pipeline.js';
import type { CliCommand, CommandResult } from '../command.js';
import { INPUT_FLAGS as F } from '../flags.js';
import { CODE_FLAGS } from './shared-flags.js';

/** Where --output puts a zip: into an existing folder under its own name, else at that path. */
async function destination(output: string, zipPath: string): Promise<string> {
  const target = resolve(output);
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) return join(target, basename(zipPath));
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
      help: 'keep the zip: a file path, or a folder to put it in (default: not kept)',
    },
  ],
  usesAws: false,
  async run(ctx) {
    const output = ctx.flags.own.output;
    // A zip kept inside the folder it packages must not end up in the next package.
    const kept = output ? relative(resolve(ctx.settings().path), resolve(output)) : '';
    const exclude =
      kept && !kept.startsWith('..') && !isAbsolute(kept)
        ? { exclude: [ctx.flags.inputs.exclude, kept, `${kept}/**`].filter(Boolean).join('\n') }
        : {};
    const settings = ctx.settings({ command: 'package', ...exclude });
    const plan = makePlan(settings, ctx.github);
    const run = await runPipeline(settings, plan, ctx.github, {
      ...ctx.pipelineDeps(),
      outDir: await ctx.workDir(),
    });
    if (run.result.kind !== 'package') return { exitCode: 1, error: run.failure ?? 'nothing was built' };
    const { pkg } = run.result;
    const result: CommandResult = {
      'code-sha256': pkg.codeSha256,
      'package-bytes': pkg.packageBytes,
      'unpacked-bytes': pkg.unpackedBytes,
      files: pkg.fileCount,
      handler: pkg.handler,
    };
    if (output) {
      const kept = await destination(output, pkg.zipPath);
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
