import { describe, expect, test } from '@jest/globals';
import { parseArgs, UsageError } from '../../src/cli/args.js';
import { parseDuration } from '../../src/cli/cli.js';

describe('parseArgs', () => {
  test('flags are the action input names', () => {
    expect(
      parseArgs(['deploy', '--name', 'svc', '--path=examples/handler', '--gateway', 'function-url']),
    ).toMatchObject({
      command: 'deploy',
      inputs: { name: 'svc', path: 'examples/handler', gateway: 'function-url' },
    });
  });

  test('switches, --no- forms and a switch before the command', () => {
    const parsed = parseArgs(['--verbose', 'serve', '--no-smoke-test', '--dry-run', '--port', '0']);
    expect(parsed.command).toBe('serve');
    expect(parsed.extras).toMatchObject({ verbose: true, port: 0 });
    expect(parsed.inputs).toEqual({ 'smoke-test': 'false', 'dry-run': 'true' });
  });

  test('repeated list flags add lines', () => {
    expect(parseArgs(['deploy', '--environment', 'A=1', '--environment', 'B=2']).inputs.environment).toBe(
      'A=1\nB=2',
    );
  });

  test('no command is help', () => {
    expect(parseArgs([]).command).toBe('help');
    expect(parseArgs(['logs', '--help']).extras.help).toBe(true);
  });

  test.each([
    [['destroy'], /unknown command "destroy"; expected one of deploy/],
    [['deploy', '--colour', 'x'], /unknown flag --colour/],
    [['serve', '--port', 'abc'], /--port: "abc" is not a port number/],
    [['deploy', 'extra', 'words'], /unexpected argument "extra"/],
  ])('%j is refused with a clear message', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('parseDuration', () => {
  test.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test('refuses other forms', () => expect(() => parseDuration('ten minutes')).toThrow(/--since/));
});
