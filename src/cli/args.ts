import { Inputs, type InputName } from '../settings/names.js';

export const CLI_COMMANDS = [
  'deploy',
  'undeploy',
  'package',
  'serve',
  'logs',
  'status',
  'policy',
  'help',
] as const;
export type CliCommand = (typeof CLI_COMMANDS)[number];

/** Flags that are not action inputs. */
export interface CliExtras {
  port?: number;
  follow: boolean;
  since?: string;
  account?: string;
  repository?: string;
  /** policy/setup: numeric GitHub ids for the immutable `sub` form. */
  'owner-id'?: string;
  'repo-id'?: string;
  /** policy: production, preview or single (one role for everything). */
  role?: string;
  /** policy/setup: branches whose pushes deploy production (comma-separated). */
  'protected-branches'?: string;
  /** policy/setup: GitHub environments the production role trusts (comma-separated). */
  'github-environment'?: string;
  help: boolean;
  verbose: boolean;
}

export interface ParsedArgs {
  command: CliCommand;
  /** Raw input values by action input name, as the settings module reads them. */
  inputs: Partial<Record<InputName, string>>;
  extras: CliExtras;
}

const INPUT_NAMES = new Set<string>(Object.values(Inputs));
/** Extra flags that take a value as given. */
const VALUE_EXTRAS = [
  'since',
  'account',
  'repository',
  'owner-id',
  'repo-id',
  'role',
  'protected-branches',
  'github-environment',
] as const;
const EXTRA_FLAGS = new Set<string>(['port', 'follow', 'help', 'verbose', ...VALUE_EXTRAS]);
/** Flags that are on or off. */
const SWITCHES = new Set<string>([
  'follow',
  'help',
  'verbose',
  Inputs.ApiKey,
  Inputs.SmokeTest,
  Inputs.Rollback,
  Inputs.Comment,
  Inputs.Deployment,
  Inputs.RemoveLogs,
  Inputs.DryRun,
  Inputs.DependenciesLayer,
]);
/** Inputs that hold lists: a repeated flag adds a line. */
const LIST_INPUTS = new Set<string>([Inputs.Environment, Inputs.Layers, Inputs.Include, Inputs.Exclude]);

export class UsageError extends Error {}

/**
 * `lambda-deploy <command> [--input value | --input=value | --flag | --no-flag]...`.
 * Flags are the action's input names, so a workflow translates one to one.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const inputs: Partial<Record<InputName, string>> = {};
  const extras: CliExtras = { follow: false, help: false, verbose: false };
  let command: CliCommand | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') {
      extras.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      if (command)
        throw new UsageError(
          `unexpected argument ${JSON.stringify(arg)}; expected --flag value pairs after the command`,
        );
      if (!(CLI_COMMANDS as readonly string[]).includes(arg))
        throw new UsageError(
          `unknown command ${JSON.stringify(arg)}; expected one of ${CLI_COMMANDS.join(', ')}`,
        );
      command = arg as CliCommand;
      continue;
    }
    const eq = arg.indexOf('=');
    let flag = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (
      flag.startsWith('no-') &&
      value === undefined &&
      (INPUT_NAMES.has(flag.slice(3)) || flag === 'no-follow' || flag === 'no-verbose')
    ) {
      flag = flag.slice(3);
      value = 'false';
    }
    if (!INPUT_NAMES.has(flag) && !EXTRA_FLAGS.has(flag))
      throw new UsageError(
        `unknown flag --${flag}; run lambda-deploy ${command ?? ''} --help for the flags`.replace('  ', ' '),
      );
    if (value === undefined) {
      const next = argv[i + 1];
      // A switch takes a value only when one is spelled out; other flags take the next word.
      if (SWITCHES.has(flag)) value = next === 'true' || next === 'false' ? (i++, next) : 'true';
      else value = next === undefined || next.startsWith('--') ? 'true' : (i++, next);
    }
    if (flag === 'follow') extras.follow = value !== 'false';
    else if (flag === 'help') extras.help = value !== 'false';
    else if (flag === 'verbose') extras.verbose = value !== 'false';
    else if (flag === 'port') {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port: ${JSON.stringify(value)} is not a port number (0-65535)`);
      extras.port = port;
    } else if ((VALUE_EXTRAS as readonly string[]).includes(flag))
      extras[flag as (typeof VALUE_EXTRAS)[number]] = value;
    else {
      const name = flag as InputName;
      inputs[name] = LIST_INPUTS.has(name) && inputs[name] ? `${inputs[name]}\n${value}` : value;
    }
  }
  return { command: command ?? 'help', inputs, extras };
}
