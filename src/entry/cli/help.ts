import type { CliCommand } from './command.js';
import { flagDefault, GLOBAL_FLAGS, type Flag } from './flags.js';
import { PROGRAM } from './program.js';

/** What the exit code means: the same for every command. */
export const EXIT_CODES = [
  ['0', 'done'],
  ['1', 'the command ran and failed (a failed deploy or smoke test, an AWS or packaging error)'],
  [
    '2',
    'the command line is wrong (no command, an unknown command or flag, a missing or invalid value) or refused (a protected stage to undeploy, or to deploy from a branch name alone)',
  ],
] as const;

function flagLine(flag: Flag): [string, string] {
  const spelled =
    flag.kind === 'switch'
      ? flag.input
        ? `--[no-]${flag.name}`
        : `--${flag.name}`
      : `--${flag.name} ${flag.arg ?? 'VALUE'}`;
  const dflt = flagDefault(flag);
  return [spelled, `${flag.help}${dflt !== undefined ? ` (default ${dflt})` : ''}`];
}

function table(rows: readonly (readonly [string, string])[], indent = 2): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${' '.repeat(indent)}${left.padEnd(width)}  ${right}`).join('\n');
}

const exitCodes = () => `Exit codes:\n${table(EXIT_CODES)}`;

/** `lambda-stage-deploy help <command>`: derived from the command's own flag table. */
export function commandHelp(command: CliCommand): string {
  return [
    `Usage: ${PROGRAM} ${command.name} ${command.usage}`,
    '',
    command.description,
    '',
    'Flags:',
    table(command.flags.map(flagLine)),
    '',
    'Output:',
    table(GLOBAL_FLAGS.map(flagLine)),
    '',
    exitCodes(),
  ].join('\n');
}

/** `lambda-stage-deploy --help`. */
export function overviewHelp(commands: readonly CliCommand[], version: string): string {
  return [
    `${PROGRAM} ${version}: Python and Node.js functions, Flask and FastAPI apps on AWS Lambda, a stage per branch.`,
    '',
    `Usage: ${PROGRAM} <command> [--flag value | --flag=value ...]`,
    '',
    'Commands:',
    table([
      ...commands.map((c) => [c.name, c.summary] as const),
      ['help', "a command's flags: help <command>"],
    ]),
    '',
    `Every command takes --json (the result as one JSON object), --verbose and --help; ${PROGRAM} --version prints the version.`,
    'Results go to stdout, progress and errors to stderr.',
    '',
    exitCodes(),
    '',
    `"deploy --help" (or "help deploy") lists a command's flags.`,
  ].join('\n');
}
