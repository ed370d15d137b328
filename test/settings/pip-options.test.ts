import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  optionValues,
  parsePipArgs,
  placementOverride,
  withoutOption,
} from '../../src/settings/pip-options.js';
import { testPython } from '../support/vendor-wheels.js';

/**
 * The real pip's answer: its install parser's long options (each with its first
 * long name and whether it takes a value), and how its optparse reads each
 * abbreviation: the first long name of the option, or `ambiguous`/`unknown`.
 */
function pipsOwnReading(abbreviations: readonly string[]): {
  options: [string, string, boolean][];
  read: Record<string, string>;
} {
  const script = [
    'import json, optparse, sys',
    'from pip._internal.commands import create_command',
    "parser = create_command('install').parser",
    'options = [[name, o._long_opts[0], o.takes_value()] for name, o in parser._long_opt.items()]',
    'read = {}',
    'for a in json.loads(sys.argv[1]):',
    '    try:',
    '        read[a] = parser._long_opt[parser._match_long_opt(a)]._long_opts[0]',
    '    except optparse.AmbiguousOptionError:',
    "        read[a] = 'ambiguous'",
    '    except optparse.BadOptionError:',
    "        read[a] = 'unknown'",
    "print(json.dumps({'options': options, 'read': read}))",
  ].join('\n');
  return JSON.parse(
    execFileSync(testPython(), ['-c', script, JSON.stringify(abbreviations)], { encoding: 'utf8' }),
  ) as { options: [string, string, boolean][]; read: Record<string, string> };
}

const ABBREVIATIONS = [
  ...['--extra-index', '--extra', '--index', '--ind', '--find', '--trusted', '--no-bi', '--no-b'],
  ...['--only', '--only-b', '--targ', '--ta', '--prefi', '--pref', '--pre', '--roo', '--root', '--us'],
  ...['--user', '--plat', '--python-v', '--python', '--impl', '--ab', '--req', '--requirement'],
  ...['--edit', '--pypi', '--require-h', '--src', '--sour', '--no-dep', '--upgrade-s', '--i'],
];

describe("pip's own options and abbreviations (the installed pip, asked)", () => {
  const pip = pipsOwnReading(ABBREVIATIONS);

  it('knows every long option of pip install, by its first name, with a value exactly where pip takes one', () => {
    for (const [name, first, value] of pip.options) {
      const [option] = parsePipArgs([name, 'VALUE']).options;
      expect({ name, names: option?.names, value: option?.value }).toEqual({
        name,
        names: [first],
        value: value ? 'VALUE' : undefined,
      });
    }
  });

  it.each(ABBREVIATIONS)(
    '%s: read as pip reads it (ambiguous where pip refuses it; else naming the option pip takes)',
    (abbr) => {
      const { names, ambiguous } = parsePipArgs([abbr]).options[0]!;
      const read = pip.read[abbr]!;
      if (read === 'ambiguous') expect(ambiguous).toBe(true);
      else if (read === 'unknown') expect(names).toEqual([]);
      // Unique for this pip: ours names it (and others only where later or earlier pips have them).
      else expect(names).toContain(read);
    },
  );
});

describe('parsePipArgs', () => {
  it.each<[string[], { names: string[]; value?: string }[], string[]]>([
    [['--extra-index=https://e/simple'], [{ names: ['--extra-index-url'], value: 'https://e/simple' }], []],
    [
      ['--extra-index', 'https://e/simple'],
      [{ names: ['--extra-index-url'], value: 'https://e/simple' }],
      [],
    ],
    [['--pypi', 'https://i/simple'], [{ names: ['--index-url'], value: 'https://i/simple' }], []],
    [['-ihttps://i/simple'], [{ names: ['--index-url'], value: 'https://i/simple' }], []],
    // Short flags clustered before one that takes a value: the rest of the cluster, or the next argument.
    [['-Ut', '/x', 'flask'], [{ names: ['--upgrade'] }, { names: ['--target'], value: '/x' }], ['flask']],
    [
      ['-qqf/w'],
      [{ names: ['--quiet'] }, { names: ['--quiet'] }, { names: ['--find-links'], value: '/w' }],
      [],
    ],
    // `--pre` is an option of its own, not a prefix of --prefix or --prefer-binary.
    [['--pre', 'x'], [{ names: ['--pre'] }], ['x']],
    [['--', '--target', 'x'], [], ['--target', 'x']],
  ])('%j', (args, options, positional) => {
    const parsed = parsePipArgs(args);
    expect(
      parsed.options.map(({ names, value }) => (value === undefined ? { names } : { names, value })),
    ).toEqual(options);
    expect(parsed.positional.map((p) => p.arg)).toEqual(positional);
  });

  it('values of an option however written, and the arguments without it', () => {
    const args = ['--platform', 'a', '--pre', '--plat=b', '--only-bin', ':none:', '--platf'];
    expect(optionValues(args, '--platform')).toEqual(['a', 'b']);
    expect(withoutOption(args, '--only-binary')).toEqual(['--platform', 'a', '--pre', '--plat=b', '--platf']);
  });
});

describe('placementOverride', () => {
  it.each<[string[], string | undefined]>([
    [['--no-index', '--find-links', '/w', '--pre'], undefined],
    [['--no-user', '--root-user-action=ignore'], undefined],
    [['--target', '/elsewhere'], '--target /elsewhere'],
    [['--targ=/elsewhere'], '--target /elsewhere'],
    [['-t/elsewhere'], '--target /elsewhere'],
    [['-Ut', '/elsewhere'], '--target /elsewhere'],
    [['--prefi', '/usr/local'], '--prefix /usr/local'],
    [['--root', '/'], '--root /'],
    [['--user'], '--user'],
  ])('%j: %s', (args, found) => {
    expect(placementOverride(args)).toBe(found);
  });
});
