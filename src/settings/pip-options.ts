/**
 * Reads pip install arguments as pip does, for every check on pip-args:
 * which index they name, which options lambda-deploy must keep to itself,
 * which arguments are requirements. pip parses with optparse, which takes any
 * unique prefix of a long option for it (`--extra-index` is
 * `--extra-index-url`, `--no-bi` is `--no-binary`; an ambiguous prefix such as
 * `--no-b` is an error), a value after `=` or as the next argument, and short
 * options clustered (`-Ut DIR`, `-iURL`). A check that matched only the
 * full names would let an abbreviation through. Pure.
 */

/**
 * pip install's long options, and whether each takes a value: those of pip 23
 * on, with the ones later releases added or earlier ones had. An
 * abbreviation is read against all of them, so one that only some pip
 * versions find unique may mean several (see PipOption.names): the checks
 * treat it as each of them, and pip itself refuses it where it is ambiguous.
 */
const LONG_OPTIONS: Readonly<Record<string, boolean>> = {
  ...Object.fromEntries(
    [
      ...['--break-system-packages', '--check-build-dependencies', '--compile', '--debug', '--dry-run'],
      ...['--disable-pip-version-check', '--force-reinstall', '--help', '--ignore-installed', '--isolated'],
      ...['--ignore-requires-python', '--no-build-isolation', '--no-cache-dir', '--no-clean', '--no-color'],
      ...['--no-compile', '--no-deps', '--no-dependencies', '--no-index', '--no-input', '--no-use-pep517'],
      ...['--no-python-version-warning', '--no-user', '--no-warn-conflicts', '--no-warn-script-location'],
      ...['--only-deps', '--only-dependencies', '--pre', '--prefer-binary', '--quiet', '--require-hashes'],
      ...['--require-venv', '--require-virtualenv', '--upgrade', '--use-pep517', '--user', '--verbose'],
      '--version',
    ].map((name) => [name, false]),
  ),
  ...Object.fromEntries(
    [
      ...['--abi', '--all-releases', '--build-constraint', '--build-option', '--cache-dir', '--cert'],
      ...['--client-cert', '--config-settings', '--constraint', '--default-timeout', '--editable'],
      ...['--exists-action', '--extra-index-url', '--find-links', '--global-option', '--group'],
      ...[
        '--implementation',
        '--index-url',
        '--install-option',
        '--keyring-provider',
        '--local-log',
        '--log',
      ],
      ...['--log-file', '--no-binary', '--only-binary', '--only-final', '--platform', '--prefix'],
      ...['--progress-bar', '--proxy', '--pypi-url', '--python', '--python-version', '--report'],
      ...['--requirement', '--requirements-from-script', '--resume-retries', '--retries', '--root'],
      ...['--root-user-action', '--source', '--source-dir', '--source-directory', '--src', '--target'],
      ...['--timeout', '--trusted-host', '--upgrade-strategy', '--uploaded-prior-to', '--use-deprecated'],
      '--use-feature',
    ].map((name) => [name, true]),
  ),
};

/** Second names pip gives an option: the checks ask for the first. */
const ALIASES: Readonly<Record<string, string>> = {
  '--pypi-url': '--index-url',
  '--no-dependencies': '--no-deps',
  '--only-dependencies': '--only-deps',
  '--require-venv': '--require-virtualenv',
  '--default-timeout': '--timeout',
  '--log-file': '--log',
  '--local-log': '--log',
  '--source': '--src',
  '--source-dir': '--src',
  '--source-directory': '--src',
};

/** pip install's short options, by the long option each stands for. */
const SHORT_OPTIONS: Readonly<Record<string, string>> = {
  r: '--requirement',
  c: '--constraint',
  e: '--editable',
  t: '--target',
  i: '--index-url',
  f: '--find-links',
  C: '--config-settings',
  U: '--upgrade',
  I: '--ignore-installed',
  q: '--quiet',
  v: '--verbose',
  V: '--version',
  h: '--help',
};

export interface PipOption {
  /** As written, its value included: `--extra-index=URL`, `--extra-index URL`, `-iURL`. */
  written: string;
  /**
   * The options pip may read it as, by their first names: one for a full name
   * or a prefix only it has; several for a prefix that more share (pip
   * refuses it then, or, when only some pip versions have the others, reads
   * it as the one it has); none for an option pip does not know.
   */
  names: string[];
  /**
   * Whether it is a prefix of more than one long name, aliases of one option
   * too (`--no-dep`: --no-deps, --no-dependencies), which optparse refuses as
   * ambiguous, unless only some pip versions have the others.
   */
  ambiguous: boolean;
  value?: string;
  /** Where it is in the arguments: the first one, and how many it spans (2 with its value apart). */
  at: number;
  count: number;
}

/** The long options `name` (before any `=`) may stand for: itself, or those it is a prefix of. */
function longNames(name: string): { names: string[]; ambiguous: boolean } {
  const words = name in LONG_OPTIONS ? [name] : Object.keys(LONG_OPTIONS).filter((o) => o.startsWith(name));
  return { names: [...new Set(words.map((w) => ALIASES[w] ?? w))], ambiguous: words.length > 1 };
}

const takesValue = (names: readonly string[]) => names.some((n) => LONG_OPTIONS[n]);

/**
 * An option at `args[at]` known by `names`, with its value: `inline` (after
 * `=`, or the rest of a short cluster) or, when it takes one, the next argument.
 */
function optionAt(
  args: readonly string[],
  at: number,
  known: { names: string[]; ambiguous: boolean },
  inline?: string,
): PipOption {
  const arg = args[at]!;
  if (inline !== undefined) return { written: arg, ...known, value: inline, at, count: 1 };
  if (!takesValue(known.names) || at + 1 >= args.length) return { written: arg, ...known, at, count: 1 };
  return { written: `${arg} ${args[at + 1]}`, ...known, value: args[at + 1], at, count: 2 };
}

/**
 * pip install arguments, split as pip splits them: each option with its value
 * (the next argument too, for an option that takes one), and the rest (the
 * requirements pip install also takes, and all after `--`).
 */
export function parsePipArgs(args: readonly string[]): {
  options: PipOption[];
  /** The other arguments, with where each is. */
  positional: { arg: string; at: number }[];
} {
  const options: PipOption[] = [];
  const positional: { arg: string; at: number }[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positional.push(...args.slice(i + 1).map((rest, k) => ({ arg: rest, at: i + 1 + k })));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const option = optionAt(
        args,
        i,
        longNames(eq < 0 ? arg : arg.slice(0, eq)),
        eq < 0 ? undefined : arg.slice(eq + 1),
      );
      options.push(option);
      i += option.count - 1;
    } else if (arg.startsWith('-') && arg !== '-') {
      // A cluster of short options: flags, then at most one that takes the rest (or the next argument).
      for (let j = 1; j < arg.length; j++) {
        const name = SHORT_OPTIONS[arg[j]!];
        const known = { names: name ? [name] : [], ambiguous: false };
        if (!takesValue(known.names)) {
          options.push({ written: `-${arg[j]}`, ...known, at: i, count: 1 });
          continue;
        }
        const option = optionAt(args, i, known, arg.slice(j + 1) || undefined);
        options.push(option);
        i += option.count - 1;
        break;
      }
    } else positional.push({ arg, at: i });
  }
  return { options, positional };
}

/** The options in `args` that pip may read as `option` (its first long name), in order. */
export function pipOptions(args: readonly string[], option: string): PipOption[] {
  return parsePipArgs(args).options.filter((o) => o.names.includes(option));
}

/** The values of `option` in `args`, in order, however it is written (`--platform a`, `--plat=b`). */
export function optionValues(args: readonly string[], option: string): string[] {
  return pipOptions(args, option).flatMap((o) => (o.value === undefined ? [] : [o.value]));
}

/** Whether pip may read an argument in `args` as `option`. */
export function hasOption(args: readonly string[], option: string): boolean {
  return pipOptions(args, option).length > 0;
}

/** `args` without the arguments pip may read as `option` and their values (a short cluster goes whole). */
export function withoutOption(args: readonly string[], option: string): string[] {
  const dropped = new Set(
    pipOptions(args, option).flatMap((o) => (o.count === 2 ? [o.at, o.at + 1] : [o.at])),
  );
  return args.filter((_a, i) => !dropped.has(i));
}

/**
 * Options that choose where pip installs. lambda-deploy installs into the
 * package it builds with --target: pip takes the last --target given (the
 * package would go out without its dependencies), and refuses --user beside
 * it; --prefix and --root move the files out of the package too.
 */
const PLACEMENT_OPTIONS = ['--target', '--prefix', '--root', '--user'];

/** The first option in `args` that would choose where pip installs, as pip reads it (`--target DIR`). */
export function placementOverride(args: readonly string[]): string | undefined {
  for (const option of parsePipArgs(args).options) {
    const name = PLACEMENT_OPTIONS.find((o) => option.names.includes(o));
    if (name) return option.value === undefined ? name : `${name} ${option.value}`;
  }
  return undefined;
}
