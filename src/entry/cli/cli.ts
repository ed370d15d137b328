import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terminalCredentialsHint, terminalSignIn, yourCredentialsNeed } from '../../aws/aws-call.js';
import { createAwsClients } from '../../aws/clients.js';
import { Inputs, type InputName } from '../../settings/names.js';
import { readSettings, SettingsError } from '../../settings/settings.js';
import { packageVersion } from '../../util/assets.js';
import { closestName } from '../../util/closest-name.js';
import { errorMessage } from '../../util/retry.js';
import { realSleep } from '../../util/sleep.js';
import { NoRegionError, profileRegion } from './aws-region.js';
import type { CliCommand, CliIo, CommandContext, CommandResult } from './command.js';
import { COMMANDS } from './commands/index.js';
import { asFlagProblems, flagProblems, parseFlags, UsageError, type ParsedFlags } from './flags.js';
import { commandHelp, overviewHelp } from './help.js';
import { localContext } from './local-context.js';
import { flagsHint, nodeVersionNote, nodeVersionProblem, PROGRAM } from './program.js';
import { inferRuntime } from './runtime-inference.js';
import { runnerIo, runnerJson } from './runner-output.js';
import { terminalLogger, type TerminalLogger } from './terminal-logger.js';

/** The real process: stdout, stderr, its environment, Ctrl-C. */
export function processIo(): CliIo {
  let stop: Promise<void> | undefined;
  return {
    out: process.stdout,
    err: process.stderr,
    env: process.env,
    sleep: realSleep,
    fetch: (input, init) => fetch(input, init),
    interrupted: () =>
      (stop ??= new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      })),
  };
}

/**
 * A result for a terminal: `key: value` lines (lists comma-separated, objects
 * as JSON). An empty list is `(none)`: a bare `removed: ` reads as cut off.
 */
export function resultLines(result: CommandResult): string {
  const show = (v: unknown): string =>
    Array.isArray(v)
      ? v.length
        ? v.map(show).join(', ')
        : '(none)'
      : v !== null && typeof v === 'object'
        ? JSON.stringify(v)
        : String(v);
  return Object.entries(result)
    .map(([key, value]) => `${key}: ${show(value)}`)
    .join('\n');
}

/** Every string in `value` passed through `hide` (a JSON result's values, before they are serialized). */
function hideIn(value: unknown, hide: (text: string) => string): unknown {
  if (typeof value === 'string') return hide(value);
  if (Array.isArray(value)) return value.map((v) => hideIn(v, hide));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideIn(v, hide)]));
  return value;
}

/**
 * A result on stdout: what the logger masked (an API key, environment values,
 * a password in pip-args) is `***` there too, as on stderr. With --json, a
 * failure's `error` is the text said on stderr, and `problems` its problems,
 * one string each (several bad flags make one `error` of several lines).
 */
function print(
  io: CliIo,
  json: boolean,
  result: CommandResult | undefined,
  text?: string,
  error?: string,
  hide: (text: string) => string = (t) => t,
  problems: readonly string[] = error ? [error] : [],
): void {
  const failed = error ? { error, problems } : {};
  if (json) io.out.write(`${runnerJson(io.env, JSON.stringify(hideIn({ ...result, ...failed }, hide)))}\n`);
  else if (text !== undefined) io.out.write(hide(text.endsWith('\n') || !text ? text : `${text}\n`));
  else if (result && Object.keys(result).length)
    io.out.write(`${resultLines(hideIn(result, hide) as CommandResult)}\n`);
}

function usageFailure(
  io: CliIo,
  json: boolean,
  error: Error,
  command?: string,
  hide: (text: string) => string = (t) => t,
): number {
  const problems = error instanceof SettingsError ? flagProblems(error.problems) : [error.message];
  const message = hide(error instanceof SettingsError ? asFlagProblems(error.problems) : error.message);
  io.err.write(`error: ${message}\n`);
  const helpOf = (error instanceof UsageError ? error.command : undefined) ?? command;
  const hint = flagsHint(helpOf);
  // An error that gives the hint already (an unknown flag) is not followed by it again.
  if (!message.includes(hint)) io.err.write(`${hint}.\n`);
  if (json) print(io, true, {}, undefined, message, hide, problems);
  return 2;
}

/**
 * The AWS SDK prints an eight-line warning on Node.js 20 at every client it
 * builds; nodeVersionNote says the same in one line. Returns that line, said
 * once the command runs (a wrong command line gets its error alone), or undefined.
 */
function replaceNode20Warning(io: CliIo): string | undefined {
  const note = nodeVersionNote(process.versions.node);
  if (note === undefined) return undefined;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return io.env.LAMBDA_DEPLOY_QUIET_NODE_NOTICE === '1' ? undefined : note;
}

/** What a pipeline needs from a terminal (see CommandContext.pipelineDeps). */
function terminalDeps(io: CliIo, logger: TerminalLogger) {
  return {
    logger,
    env: io.env,
    awsClients: createAwsClients,
    needs: yourCredentialsNeed,
    credentialsHint: terminalCredentialsHint(io.env),
    signIn: terminalSignIn(io.env),
    surface: 'terminal' as const,
  };
}

/** The inputs a command's settings read: its flags over the terminal's defaults, under what the command fixes. */
function terminalInputs(
  given: ParsedFlags['inputs'],
  region: string | undefined,
  fixed: Partial<Record<InputName, string>>,
): Partial<Record<InputName, string>> {
  // Outside Actions there is no pull request to comment on and no Deployment to record.
  return {
    comment: 'false',
    deployment: 'false',
    ...(region && { [Inputs.AwsRegion]: region }),
    ...given,
    ...fixed,
  };
}

async function runCommand(command: CliCommand, argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, command.flags, command.name, COMMANDS);
  if (flags.help) {
    io.out.write(`${commandHelp(command)}\n`);
    return 0;
  }
  const verbose = flags.verbose || io.env.LAMBDA_DEPLOY_DEBUG === '1';
  const logger = terminalLogger({ verbose, err: io.err });
  let dir: string | undefined;
  let node20Note: string | undefined;
  // Asked for once the command line checked out: the command now runs.
  const pipelineDeps = () => {
    if (node20Note) logger.info(node20Note);
    node20Note = undefined;
    return terminalDeps(io, logger);
  };
  let region: string | undefined;
  let runtimeWarned = false;
  // No region anywhere: said once the inputs are read, so their own problems come first.
  let noRegion: UsageError | undefined;
  const ctx: CommandContext = {
    flags,
    io,
    logger,
    verbose,
    github: localContext(io.env),
    settings: (fixed = {}) => {
      const inputs = terminalInputs(flags.inputs, region, fixed);
      const settings = readSettings(
        (name) => inputs[name],
        io.env,
        'terminal',
        io.runtimeClock?.() ?? { now: new Date() },
        command.codeRoot?.(flags),
      );
      // Said once, however often a command reads its settings (serve reloads).
      if (settings.runtimeWarning && !runtimeWarned) logger.warning(settings.runtimeWarning);
      runtimeWarned = true;
      // --target local asks AWS nothing: no region needed (the local runtime says us-east-1).
      if (noRegion && !settings.awsRegion && settings.target !== 'local') throw noRegion;
      return settings;
    },
    pipelineDeps,
    buildDeps: async () => ({
      ...pipelineDeps(),
      outDir: (dir ??= await mkdtemp(join(tmpdir(), `${PROGRAM}-`))),
      temporaryOutDir: true,
    }),
    emit: (result, text) => print(io, flags.json, result, text, undefined, logger.hide),
  };
  try {
    // Before anything else is said: the runtime a Node.js folder gets is the first line.
    inferRuntime(command, flags, io.env, (m) => logger.info(m));
    if (command.usesAws) {
      node20Note = replaceNode20Warning(io);
      region = await profileRegion(flags.inputs[Inputs.AwsRegion], io.env).catch((error: unknown) => {
        if (!(error instanceof NoRegionError)) throw error;
        noRegion = error;
        return undefined;
      });
      if (region)
        logger.debug(
          `Region ${region}: from the AWS profile (no --aws-region, AWS_REGION or AWS_DEFAULT_REGION).`,
        );
    }
    const outcome = await command.run(ctx);
    if (outcome.error) logger.error(outcome.error);
    if (outcome.result || outcome.text !== undefined || outcome.error)
      print(io, flags.json, outcome.result, outcome.text, outcome.error, logger.hide);
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof UsageError || error instanceof SettingsError)
      return usageFailure(io, flags.json, error, command.name, logger.hide);
    logger.error(errorMessage(error));
    if (flags.json) print(io, true, {}, undefined, errorMessage(error), logger.hide);
    return 1;
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the CLI; returns the exit code (0 done, 1 failed, 2 wrong command line or refused input). */
export async function main(argv: readonly string[], given: CliIo = processIo()): Promise<number> {
  // In a workflow step, what the function wrote and others' values it quotes are never run.
  const io = runnerIo(given);
  const json = argv.includes('--json');
  const tooOld = nodeVersionProblem(process.versions.node);
  if (tooOld) {
    io.err.write(`error: ${tooOld}\n`);
    return 1;
  }
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V') {
    io.out.write(json ? `${JSON.stringify({ version: packageVersion() })}\n` : `${packageVersion()}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h') {
    io.out.write(`${overviewHelp(COMMANDS, packageVersion())}\n`);
    return 0;
  }
  // No command is a wrong command line, as for git and npm (which exit 1): here that is exit 2.
  if (first === undefined) {
    io.err.write(`error: no command given\n${overviewHelp(COMMANDS, packageVersion())}\n`);
    return 2;
  }
  const find = (name: string) => COMMANDS.find((c) => c.name === name);
  try {
    if (first === 'help') {
      const wanted = rest.find((w) => !w.startsWith('-'));
      const command = wanted === undefined ? undefined : find(wanted);
      if (wanted !== undefined && !command) throw unknownCommand(wanted);
      io.out.write(`${command ? commandHelp(command) : overviewHelp(COMMANDS, packageVersion())}\n`);
      return 0;
    }
    const command = find(first);
    if (!command) throw unknownCommand(first);
    return await runCommand(command, rest, io);
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(io, json, error);
    throw error;
  }
}

/** The README's words that are no command of the CLI, and where that happens instead. */
const NOT_COMMANDS: Record<string, string> = {
  prune:
    'the action prunes (command: prune, nightly in the reusable workflow), since it asks GitHub which branches and pull requests are gone; expected undeploy --stage STAGE to remove one stage',
  rollback:
    'deploy rolls back by itself when its smoke test fails (--rollback, on by default); expected deploy of the earlier code to go back by hand',
};

function unknownCommand(word: string): UsageError {
  const instead = Object.hasOwn(NOT_COMMANDS, word) ? NOT_COMMANDS[word] : undefined;
  if (instead) return new UsageError(`"${word}" is not a command of the CLI: ${instead}`);
  const names = [...COMMANDS.map((c) => c.name), 'help'];
  const near = closestName(word, names);
  return new UsageError(
    word.startsWith('-')
      ? `expected a command before ${word}; one of ${names.join(', ')}`
      : `unknown command ${JSON.stringify(word)}${near ? ` (did you mean ${near}?)` : ''}; expected one of ${names.join(', ')}`,
  );
}
