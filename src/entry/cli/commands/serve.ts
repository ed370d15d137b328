import { portProblem } from '../../../local-runtime/index.js';
import { makePlan } from '../../../model/plan.js';
import { runPipeline } from '../../../pipelines/run-pipeline.js';
import { watchAndReload } from '../../../pipelines/local-deploy/serve-watch.js';
import type { CliCommand } from '../command.js';
import { INPUT_FLAGS as F, UsageError } from '../flags.js';
import { CODE_FLAGS } from './shared-flags.js';

function port(text: string | undefined): number {
  if (text === undefined) return 3000;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535)
    throw new UsageError(
      `--port: ${JSON.stringify(text)} is not a port number; expected 0 to 65535 (0: any free port)`,
      'serve',
    );
  return n;
}

/** Why --port cannot serve, checked before the build (which can take minutes), or undefined. */
async function busyPort(port: number): Promise<string | undefined> {
  if (port === 0) return undefined;
  const problem = await portProblem(port);
  if (!problem) return undefined;
  if (problem.code === 'EADDRINUSE')
    return `--port: ${port} on 127.0.0.1 is already in use (another serve?); expected a free port: stop what listens there, or choose another with --port (--port 0: any free one)`;
  return `--port: ${port} cannot be listened on at 127.0.0.1 (${problem.code ?? problem.message}); expected a port this user may open (above 1023 without privileges), or --port 0 for any free one`;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'build the package and serve it locally (no AWS account, no Docker)',
  usage: '--name NAME [--path DIR] [--app MODULE:ATTR | --handler MODULE.FUNCTION] [--port 3000] [--watch]',
  description: [
    'Builds the same package a deploy would, runs it under a Lambda-compatible runtime',
    'on this machine and serves it over HTTP on 127.0.0.1, one log line per request,',
    'sending the events of --gateway: API Gateway payload 2.0 at the root (http-api, the',
    'default, and function-url), or 1.0 under /{stage} (rest-api); a request that fails',
    "shows its traceback under its line (--verbose: all of the function's output). A",
    'function that cannot start fails at once with its traceback. Stops on Ctrl-C.',
    'With --watch it rebuilds after each change of a file the package holds (or of the',
    "requirements or lockfile, a src layout's ../uv.lock too) and serves the new build at",
    'the same URL, one line per reload; a build or start that fails prints its error and',
    'keeps the last good build serving.',
  ].join('\n'),
  flags: [
    F.name,
    ...CODE_FLAGS,
    F.memory,
    F.timeout,
    F.environment,
    F.awsRegionLocal,
    F.gateway,
    F.invokeMode,
    {
      ...F.smokePath,
      help: 'path of the start-up request, sent once the function runs (any answer but a server error: it started)',
    },
    { name: 'port', kind: 'value', arg: 'PORT', help: 'local port (default 3000; 0 picks a free one)' },
    {
      name: 'watch',
      kind: 'switch',
      help: 'rebuild and reload on each change in --path (same URL; a failed build keeps the last good one)',
    },
  ],
  usesAws: false,
  async run(ctx) {
    const localPort = port(ctx.flags.own.port);
    // The start-up check asks smoke-path once: any answer but a server error means it started.
    // Every flag's value is checked here, before what this machine holds (the port, then Python...).
    const settings = ctx.settings({ command: 'deploy', target: 'local', 'smoke-status': '100-499' });
    const busy = await busyPort(localPort);
    if (busy) return { exitCode: 1, error: busy };
    const plan = makePlan({ ...settings, stage: settings.stage ?? 'local' }, ctx.github);
    const deps = await ctx.buildDeps();
    // --verbose prints the function's own lines, its tracebacks among them: not a second time.
    const localErrors = !ctx.verbose;
    const run = await runPipeline(settings, plan, ctx.github, {
      ...deps,
      keepLocalRunning: true,
      localPort,
      localErrors,
    });
    if (run.failure || !run.local)
      return { exitCode: 1, error: run.failure ?? 'The local runtime did not start.' };
    const { url } = run.local;
    ctx.emit({ url, name: settings.name }, `Serving ${settings.name} at ${url}  (Ctrl-C to stop)`);
    const watching =
      ctx.flags.own.watch === 'true'
        ? watchAndReload(
            run.local,
            { ...settings, outputs: [deps.outDir ?? '', settings.packageCache ?? ''].filter(Boolean) },
            { logger: ctx.logger },
          )
        : undefined;
    await ctx.io.interrupted();
    await watching?.close();
    await run.local.stop();
    return { exitCode: 0 };
  },
};
