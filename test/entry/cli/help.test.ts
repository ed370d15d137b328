/**
 * Each command's help lists exactly the flags it reads: help and parsing come
 * from the command's one flag table, and a command reads no flag outside it.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { COMMANDS } from '../../../src/entry/cli/commands/index.js';
import { GLOBAL_FLAGS, parseFlags } from '../../../src/entry/cli/flags.js';
import { commandHelp, overviewHelp } from '../../../src/entry/cli/help.js';

const flagsInHelp = (text: string) => [
  ...new Set([...text.matchAll(/--(?!no-)([a-z][a-z0-9-]*)/g)].map((m) => m[1])),
];

describe.each(COMMANDS.map((c) => [c.name, c] as const))('%s', (name, command) => {
  const help = commandHelp(command);
  const table = [...command.flags, ...GLOBAL_FLAGS].map((f) => f.name);

  test('its help lists exactly the flags of its table, each once', () => {
    const flagLines = help.split('\n').filter((l) => /^ {2}--/.test(l));
    expect(flagLines.map((l) => /^ {2}--(?:\[no-\])?([a-z0-9-]+)/.exec(l)?.[1])).toEqual(table);
    // The usage line names no flag the command does not take.
    expect(flagsInHelp(help.split('\n')[0] as string).filter((f) => !table.includes(f as string))).toEqual(
      [],
    );
  });

  test('its usage line shows a flag outside brackets exactly when the flag is required', () => {
    const usage = help.split('\n')[0] as string;
    const bare = flagsInHelp(usage.replace(/\[[^\]]*\]/g, ''));
    const required = help
      .split('\n')
      .filter((l) => /^ {2}--/.test(l) && l.includes('(required)'))
      .map((l) => /^ {2}--(?:\[no-\])?([a-z0-9-]+)/.exec(l)?.[1]);
    expect(bare.sort()).toEqual(required.sort());
  });

  test('every flag its help lists is accepted, in both spellings', () => {
    for (const flag of command.flags) {
      const argv = flag.kind === 'switch' ? [`--${flag.name}`] : [`--${flag.name}`, 'x'];
      expect(() => parseFlags(argv, command.flags, name)).not.toThrow();
      if (flag.kind !== 'switch')
        expect(() => parseFlags([`--${flag.name}=x`], command.flags, name)).not.toThrow();
    }
  });

  test('it reads no own flag outside its table (the source is checked)', () => {
    const source = readFileSync(
      new URL(`../../../src/entry/cli/commands/${name}.ts`, import.meta.url),
      'utf8',
    );
    const read = [...source.matchAll(/flags\.own(?:\.([A-Za-z]+)|\[['"]([\w-]+)['"]\])/g)].map(
      (m) => m[1] ?? m[2],
    );
    expect(read.filter((f) => !command.flags.some((flag) => flag.name === f && !flag.input))).toEqual([]);
  });
});

test('the overview lists every command and the exit codes', () => {
  const text = overviewHelp(COMMANDS, '1.2.3');
  for (const c of COMMANDS)
    expect(text).toMatch(new RegExp(`^ {2}${c.name} +${c.summary.replace(/[()]/g, '\\$&')}$`, 'm'));
  expect(text).toMatch(/^lambda-stage-deploy 1\.2\.3: /);
  expect(text).toContain('2  the command line is wrong');
});

test('command names are unique and their modules are named after them', () => {
  expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
});

/** A flag's line in a command's help. */
const flagHelp = (command: string, flag: string) =>
  commandHelp(COMMANDS.find((c) => c.name === command)!)
    .split('\n')
    .find((l) => l.startsWith(`  --${flag} `));

test('serve calls no AWS: its --aws-region is the region the local function sees, and --smoke-path its start-up request', () => {
  expect(flagHelp('serve', 'aws-region')).toMatch(/the region the local function sees .*serve calls no AWS/);
  expect(flagHelp('serve', 'aws-region')).not.toMatch(/profile/);
  expect(flagHelp('serve', 'smoke-path')).toMatch(/start-up request/);
  expect(flagHelp('serve', 'smoke-path')).not.toMatch(/smoke test/);
  expect(flagHelp('deploy', 'smoke-path')).toMatch(/smoke test/);
});

test('--policy-statements takes JSON or a file of it in deploy and setup alike', () => {
  expect(flagHelp('deploy', 'policy-statements')).toMatch(/^ {2}--policy-statements JSON\|FILE /);
  expect(flagHelp('setup', 'policy-statements')).toMatch(/^ {2}--policy-statements JSON\|FILE /);
});
