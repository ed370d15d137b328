import { execFileSync } from 'node:child_process';
import { FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { GetAliasCommand, GetFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { outputsFor } from '../action/outputs.js';
import { callAws } from '../aws/aws-call.js';
import { findStageResources } from '../cleanup/find-stage-resources.js';
import { listProjectStages } from '../cleanup/prune.js';
import type { GitHubContext } from '../github/github-context.js';
import { dnsSuffix, restStageName } from '../gateways/urls.js';
import { deployRolePolicy, deployPolicyNotes } from '../iam/deploy-policy.js';
import { policyJson } from '../iam/policy-document.js';
import { oidcTrustPolicy, trustPolicyNotes } from '../iam/trust-policy.js';
import { makePlan, type Plan } from '../plan/plan.js';
import { openAwsSession } from '../pipelines/aws-session.js';
import { runPipeline } from '../pipelines/run-pipeline.js';
import { readSettings, SettingsError, splitList, type Settings } from '../settings/settings.js';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../util/retry.js';
import { realSleep } from '../util/sleep.js';
import { parseArgs, UsageError, type ParsedArgs } from './args.js';
import { HELP } from './help.js';
import { terminalLogger } from './terminal-logger.js';

/** The CLI's GitHub context: no event; the stage comes from --stage or the current git branch. */
function localContext(env: NodeJS.ProcessEnv): GitHubContext {
  let branch = '';
  try {
    branch = execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // Not a git checkout: --stage is needed for commands that work on a stage.
  }
  return {
    eventName: '',
    payload: {},
    ref: branch && branch !== 'HEAD' ? `refs/heads/${branch}` : '',
    sha: '',
    repository: env.GITHUB_REPOSITORY ?? '',
    serverUrl: 'https://github.com',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    runId: '',
    runAttempt: '1',
    runUrl: '',
  };
}

/** Duration like 30s, 10m, 2h, 1d, in ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m)
    throw new UsageError(
      `--since: ${JSON.stringify(text)} is not a duration; expected like 30s, 10m, 2h or 1d`,
    );
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function settingsFor(args: ParsedArgs, env: NodeJS.ProcessEnv): Settings {
  const command = args.command === 'serve' ? 'deploy' : args.command;
  const inputs = { ...args.inputs };
  // OIDC needs a GitHub Actions job; on a terminal the AWS chain (profile, env) signs in.
  if (inputs['role-to-assume'])
    throw new UsageError(
      '--role-to-assume: the CLI signs in with the normal AWS credential chain; expected a profile (AWS_PROFILE) that assumes the role instead',
    );
  if (['deploy', 'undeploy', 'package'].includes(command)) inputs.command = command;
  if (args.command === 'serve') inputs.target = 'local';
  // Outside Actions there is no pull request to comment on and no Deployment to record.
  inputs.comment ??= 'false';
  inputs.deployment ??= 'false';
  return readSettings((name) => inputs[name], env);
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let logger: Logger = terminalLogger({ verbose: false });
  try {
    const args = parseArgs(argv);
    logger = terminalLogger({ verbose: args.extras.verbose || env.LAMBDA_DEPLOY_DEBUG === '1' });
    if (args.extras.help || args.command === 'help') {
      process.stdout.write(`${HELP[args.command]}\n`);
      return 0;
    }
    const settings = settingsFor(args, env);
    const ctx = localContext(env);
    switch (args.command) {
      case 'policy':
        return printPolicy(settings, args, logger);
      case 'serve':
        return await serve(settings, ctx, args, env, logger);
      case 'logs':
        return await showLogs(
          settings,
          makePlan({ ...settings, command: 'deploy' }, ctx),
          ctx,
          args,
          env,
          logger,
        );
      case 'status':
        return await showStatus(settings, ctx, env, logger);
      default: {
        const plan = makePlan(settings, ctx);
        const run = await runPipeline(settings, plan, ctx, { logger, env });
        for (const [name, value] of Object.entries(outputsFor(run.result)))
          if (value) logger.info(`${name}: ${value}`);
        if (run.failure) {
          logger.error(run.failure);
          return 1;
        }
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof SettingsError)
      logger.error(error.message.replace(/^Invalid input: /, '').replace(/\binputs\b/, 'flags'));
    else logger.error(errorMessage(error));
    if (error instanceof UsageError) process.stderr.write(`Run lambda-deploy --help for usage.\n`);
    return 2;
  }
}

async function serve(
  settings: Settings,
  ctx: GitHubContext,
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<number> {
  const plan = {
    ...makePlan({ ...settings, stage: settings.stage ?? 'local' }, ctx),
    command: 'deploy' as const,
  };
  const port = args.extras.port ?? 3000;
  const run = await runPipeline(settings, plan, ctx, {
    logger,
    env,
    keepLocalRunning: true,
    localPort: port,
  });
  if (run.failure || !run.local) {
    logger.error(run.failure ?? 'The local runtime did not start.');
    return 1;
  }
  const local = run.local;
  process.stdout.write(`Serving ${settings.name} at ${local.url}  (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await local.stop();
  return 0;
}

async function showLogs(
  settings: Settings,
  plan: Plan,
  ctx: GitHubContext,
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<number> {
  const session = await openAwsSession(settings, plan, ctx, { logger, env });
  const logGroupName = `/aws/lambda/${plan.functionName}`;
  let startTime = Date.now() - parseDuration(args.extras.since ?? '10m');
  const seen = new Set<string>();
  for (;;) {
    let token: string | undefined;
    let newest = startTime;
    do {
      const page = await callAws(
        () =>
          session.clients.logs.send(
            new FilterLogEventsCommand({ logGroupName, startTime, nextToken: token }),
          ),
        session.awsDeps,
        {
          what: `Could not read the log group ${logGroupName} (has stage ${plan.stage} been deployed and invoked?)`,
          permission: 'logs:FilterLogEvents',
        },
      );
      for (const event of page.events ?? ([] as FilteredLogEvent[])) {
        if (event.eventId && seen.has(event.eventId)) continue;
        if (event.eventId) seen.add(event.eventId);
        newest = Math.max(newest, event.timestamp ?? 0);
        process.stdout.write(
          `${new Date(event.timestamp ?? 0).toISOString()} ${(event.message ?? '').trimEnd()}\n`,
        );
      }
      token = page.nextToken;
    } while (token);
    if (!args.extras.follow) return 0;
    startTime = newest;
    await realSleep(2_000);
  }
}

async function showStatus(
  settings: Settings,
  ctx: GitHubContext,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<number> {
  const plan = makePlan({ ...settings, command: 'prune' }, ctx);
  const session = await openAwsSession(settings, plan, ctx, { logger, env });
  const { clients } = session;
  const deps = { logger, sleep: realSleep };
  const stages = await listProjectStages(clients, settings.name, deps);
  if (!stages.length) {
    logger.info(`No stages of ${settings.name} in ${clients.region}.`);
    return 0;
  }
  const rows = [['STAGE', 'FUNCTION', 'VERSION', 'LAST DEPLOY', 'URL']];
  for (const s of stages) {
    const alias = await clients.lambda
      .send(new GetAliasCommand({ FunctionName: s.functionName, Name: 'live' }))
      .catch(() => undefined);
    let url = await clients.lambda
      .send(new GetFunctionUrlConfigCommand({ FunctionName: s.functionName, Qualifier: 'live' }))
      .then((r) => r.FunctionUrl ?? '')
      .catch(() => '');
    if (!url) {
      const inv = await findStageResources(
        clients,
        { project: settings.name, stage: s.stage, functionName: s.functionName, includeLogs: false },
        deps,
      );
      const host = (id: string) => `https://${id}.execute-api.${clients.region}.${dnsSuffix(clients.region)}`;
      if (inv.httpApis[0]) url = host(inv.httpApis[0].id);
      else if (inv.restApis[0]) url = `${host(inv.restApis[0].id)}/${restStageName(s.stage)}`;
    }
    rows.push([
      s.stage,
      s.functionName,
      alias?.FunctionVersion ?? '-',
      s.lastDeployed?.toISOString() ?? '-',
      url || '-',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}

function commaList(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : splitList(text, /[,\n]/);
}

function printPolicy(settings: Settings, args: ParsedArgs, logger: Logger): number {
  const accountId = args.extras.account;
  if (!accountId || !/^\d{12}$/.test(accountId))
    throw new UsageError('--account: expected the 12-digit AWS account id');
  const role = args.extras.role;
  if (role !== undefined && !['production', 'preview', 'single'].includes(role))
    throw new UsageError(`--role: "${role}" is not valid; expected production, preview or single`);
  const options = {
    project: settings.name,
    region: settings.awsRegion ?? '*',
    accountId,
    gateway: (args.inputs.gateway === 'all' ? 'all' : settings.gateway) as Settings['gateway'] | 'all',
    bucket: settings.s3Bucket,
    managesExecutionRole: !settings.executionRoleArn,
    executionRoleArn: settings.executionRoleArn,
    keepWarm: Boolean(settings.keepWarm),
    provisionedConcurrency: settings.provisionedConcurrency !== undefined,
    layers: settings.dependenciesLayer,
    attachedLayers: settings.layers,
    protectedStages: settings.protectedStages,
    repository: args.extras.repository,
  };
  const trust = args.extras.repository && {
    repository: args.extras.repository,
    ownerId: args.extras['owner-id'],
    repoId: args.extras['repo-id'],
    accountId,
    audience: settings.audience,
    protectedBranches: commaList(args.extras['protected-branches']),
    environments: commaList(args.extras['github-environment']),
  };
  const kinds: ('production' | 'preview' | 'single')[] =
    role === undefined ? ['production', 'preview'] : [role as 'production' | 'preview' | 'single'];
  for (const kind of kinds) {
    const deployRole = kind === 'single' ? undefined : kind;
    const title =
      kind === 'single'
        ? 'Deploy role (one role for everything)'
        : `${kind[0]!.toUpperCase()}${kind.slice(1)} deploy role`;
    const permissions = { ...options, role: deployRole };
    process.stdout.write(`# ${title}: permissions policy\n${policyJson(deployRolePolicy(permissions))}\n`);
    for (const note of deployPolicyNotes(permissions)) logger.info(`# ${note}`);
    if (trust) {
      const roleTrust = { ...trust, role: deployRole };
      process.stdout.write(
        `\n# ${title}: trust policy (GitHub OIDC)\n${policyJson(oidcTrustPolicy(roleTrust))}\n\n`,
      );
      for (const note of trustPolicyNotes(roleTrust)) logger.info(`# ${note}`);
    }
  }
  if (!trust) logger.info('# Add --repository owner/repo for the OIDC trust policies.');
  if (kinds.includes('single'))
    logger.warning(
      "# One role for everything: pull requests and feature branches share production's power. Prefer two roles (lambda-deploy setup).",
    );
  return 0;
}
