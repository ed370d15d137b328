import { describe, expect, test } from '@jest/globals';
import {
  GLOBAL_FLAGS,
  INPUT_FLAGS as F,
  parseFlags,
  UsageError,
  type Flag,
} from '../../../src/entry/cli/flags.js';
import { parseDuration } from '../../../src/entry/cli/commands/logs.js';

const flags: Flag[] = [
  F.name,
  F.awsRegion,
  F.path,
  F.pipArgs,
  F.environment,
  F.smokeTest,
  F.dryRun,
  { name: 'port', kind: 'value', arg: 'PORT', help: 'port' },
  { name: 'follow', kind: 'switch', help: 'follow' },
];
const parse = (argv: string[]) => parseFlags(argv, flags, 'deploy');

describe('parseFlags', () => {
  test('--flag value and --flag=value, inputs under their action names, own flags apart', () => {
    expect(parse(['--name', 'svc', '--path=examples/handler', '--port', '0'])).toEqual({
      inputs: { name: 'svc', path: 'examples/handler' },
      own: { port: '0' },
      json: false,
      verbose: false,
      help: false,
    });
  });

  test('a value flag takes the next word even when it starts with --', () => {
    expect(
      parse(['--pip-args', '--index-url https://pypi.example.com/simple', '--name', 'svc']).inputs,
    ).toEqual({
      'pip-args': '--index-url https://pypi.example.com/simple',
      name: 'svc',
    });
    expect(parse(['--pip-args=--no-index --find-links wheels/']).inputs['pip-args']).toBe(
      '--no-index --find-links wheels/',
    );
  });

  test('switches: --x, --no-x, --x=false, --x false; own switches too', () => {
    expect(parse(['--no-smoke-test', '--dry-run', '--follow']).inputs).toEqual({
      'smoke-test': 'false',
      'dry-run': 'true',
    });
    expect(parse(['--smoke-test=false', '--dry-run', 'false']).inputs).toEqual({
      'smoke-test': 'false',
      'dry-run': 'false',
    });
    expect(parse(['--follow']).own).toEqual({ follow: 'true' });
  });

  test('repeated list flags add lines; a repeated value flag keeps the last', () => {
    expect(parse(['--environment', 'A=1', '--environment', 'B=2']).inputs.environment).toBe('A=1\nB=2');
    expect(parse(['--name', 'a', '--name', 'b']).inputs.name).toBe('b');
  });

  test('the global flags: --json, --verbose, --help, -h', () => {
    expect(parse(['--json', '--verbose'])).toMatchObject({ json: true, verbose: true, help: false });
    expect(parse(['-h']).help).toBe(true);
    expect(parse(['--help']).help).toBe(true);
    expect(GLOBAL_FLAGS.map((f) => f.name)).toEqual(['json', 'verbose', 'help']);
  });

  test('a flag another command takes: the commands that take it, not a near name', () => {
    const others = [
      { name: 'serve', flags: [F.name, F.memory] },
      { name: 'deploy', flags: [F.name, F.memory, F.stage] },
      { name: 'logs', flags: [F.name, F.stage] },
    ];
    const parseFor = (argv: string[]) => () => parseFlags(argv, [F.name, F.path], 'package', others);
    expect(parseFor(['--memory', '64'])).toThrow(
      new UsageError(
        'unknown flag --memory for package: serve and deploy take it; "package --help" lists its flags',
      ),
    );
    expect(parseFor(['--stage', 'x'])).toThrow(/^unknown flag --stage for package: deploy and logs take it;/);
    // None takes it: as before.
    expect(parseFor(['--nmae', 'x'])).toThrow(/^unknown flag --nmae for package \(did you mean --name\?\);/);
  });

  test('a flag more than three other commands take: said short, not every name', () => {
    const region = (name: string) => ({ name, flags: [F.name, F.awsRegion] });
    const parseFor = (others: { name: string; flags: Flag[] }[]) => () =>
      parseFlags(['--aws-region', 'eu-west-1'], [F.name, F.path], 'package', [
        { name: 'package', flags: [F.name, F.path] },
        ...others,
      ]);
    const hint = '"package --help" lists its flags';
    const names = ['serve', 'deploy', 'undeploy', 'logs', 'status'];
    // Every other command.
    expect(parseFor(names.map(region))).toThrow(
      new UsageError(`unknown flag --aws-region for package: every other command takes it; ${hint}`),
    );
    // All but one or two: those named.
    expect(parseFor([...names.map(region), { name: 'init', flags: [F.name] }])).toThrow(
      new UsageError(`unknown flag --aws-region for package: every other command but init takes it; ${hint}`),
    );
    const two = [
      { name: 'init', flags: [F.name] },
      { name: 'policy', flags: [F.name] },
    ];
    expect(parseFor([...names.map(region), ...two])).toThrow(
      new UsageError(
        `unknown flag --aws-region for package: every other command but init and policy takes it; ${hint}`,
      ),
    );
    // Four of many: three named, the rest counted.
    const three = [...two, { name: 'setup', flags: [F.name] }];
    expect(parseFor([...names.slice(0, 4).map(region), ...three])).toThrow(
      new UsageError(
        `unknown flag --aws-region for package: serve, deploy, undeploy and 1 more take it; ${hint}`,
      ),
    );
    // Three: named, as before.
    expect(parseFor([...names.slice(0, 3).map(region), ...three])).toThrow(
      new UsageError(`unknown flag --aws-region for package: serve, deploy and undeploy take it; ${hint}`),
    );
  });

  test("another command's switch in its --no- form: the commands that take it; a value flag's is no such form", () => {
    const watch = { name: 'watch', kind: 'switch' as const, help: 'rebuild on change' };
    const port = { name: 'port', kind: 'value' as const, help: 'local port' };
    const others = [{ name: 'serve', flags: [F.name, watch, port] }];
    const parseFor = (argv: string[]) => () => parseFlags(argv, [F.name, F.path], 'package', others);
    expect(parseFor(['--no-watch'])).toThrow(
      new UsageError('unknown flag --no-watch for package: serve takes it; "package --help" lists its flags'),
    );
    // --no-port is no flag of serve either, nor --no-watch=false (a --no- form takes no value).
    expect(parseFor(['--no-port'])).toThrow(/^unknown flag --no-port for package;/);
    expect(parseFor(['--no-watch=false'])).toThrow(/^unknown flag --no-watch for package;/);
  });

  test.each([
    [['--colour', 'x'], /unknown flag --colour for deploy; "deploy --help" lists its flags/],
    [['--nmae', 'x'], /unknown flag --nmae for deploy \(did you mean --name\?\)/],
    [
      ['--role-to-assume', 'arn:x'],
      /--role-to-assume is not a flag of deploy: .*expected a profile \(AWS_PROFILE\)/,
    ],
    // The AWS CLI's spellings, typed out of habit: the flag or variable meant.
    [['--region', 'eu-west-1'], /unknown flag --region for deploy \(did you mean --aws-region\?\)/],
    [
      ['--profile', 'admin'],
      /^--profile is not a flag of deploy: the CLI reads the profile from the environment; expected AWS_PROFILE=admin before the command/,
    ],
    [['--name'], /--name needs a value \(NAME\)/],
    [['extra'], /unexpected argument "extra"; deploy takes only --flag value pairs/],
    [['--dry-run=maybe'], /--dry-run: "maybe" is not valid; expected true or false/],
    // A switch's next word that is neither true/false nor a flag: the switch's bad value, not a stray argument.
    [['--dry-run', 'maybe'], /^--dry-run: "maybe" is not valid; expected true or false/],
    [['--smoke-test', 'nope', '--name', 'x'], /^--smoke-test: "nope" is not valid; expected true or false/],
    [['--no-name'], /unknown flag --no-name/],
    // A flag written without its dashes, or with one: the form meant.
    [['name=shop'], /unexpected argument "name=shop" \(did you mean --name=shop\?\)/],
    [['-path', 'app'], /unexpected argument "-path" \(did you mean --path\?\)/],
    [['follow'], /unexpected argument "follow" \(did you mean --follow\?\)/],
    [['shop'], /^unexpected argument "shop"; deploy takes only --flag value pairs/],
  ])('%j is refused with a clear message', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });
});

describe('parseDuration', () => {
  test.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test('refuses other forms, naming --since', () =>
    expect(() => parseDuration('ten minutes')).toThrow(/^--since: "ten minutes"/));
});
