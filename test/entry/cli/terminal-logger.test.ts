import { expect, it } from '@jest/globals';
import { terminalLogger } from '../../../src/entry/cli/terminal-logger.js';
import { testIo } from './io.js';

it('a masked value that holds one masked earlier goes whole, not as *** and its rest', () => {
  const io = testIo({});
  const logger = terminalLogger({ verbose: false, err: io.err });
  // A user name from the environment input, then a console-set URL holding it and its password.
  logger.mask('appuser1');
  logger.mask('postgres://appuser1:Pw-778899@db/app');
  logger.error('could not connect to postgres://appuser1:Pw-778899@db/app as appuser1');
  expect(io.stderr()).toBe('error: could not connect to *** as ***\n');
});

it('two masked values that overlap where they meet are both hidden whole, on stderr and on stdout', () => {
  const io = testIo({});
  const logger = terminalLogger({ verbose: false, err: io.err });
  // The function printed one right after the other; they share `123`.
  logger.mask('tok-abc123');
  logger.mask('123xyz-key');
  logger.info('keys tok-abc123xyz-key end');
  expect(io.stderr()).toBe('keys *** end\n');
  expect(logger.hide('tok-abc123xyz-key')).toBe('***');
});

it('an error is not repeated on the line right after itself (the pipeline logs it, then the CLI ends with it), but is after other lines', () => {
  const io = testIo({});
  const logger = terminalLogger({ verbose: false, err: io.err });
  const message = 'The preview execution role api-lambda-deploy-preview does not exist';
  logger.error(message);
  logger.error(message);
  expect(io.stderr()).toBe(`error: ${message}\n`);
  logger.info('  2026-12-05T22:42:36.557Z ERROR\tError: boom at init');
  logger.error(message);
  expect(io.stderr()).toBe(
    `error: ${message}\n  2026-12-05T22:42:36.557Z ERROR\tError: boom at init\nerror: ${message}\n`,
  );
});

it('indents every line of a message inside a group, a one-line message and each line of a longer one alike', async () => {
  const io = testIo({});
  const logger = terminalLogger({ verbose: false, err: io.err });
  await logger.group('Serve', async () => {
    logger.info('GET / -> 200 (1 ms)');
    logger.warning('first line\nsecond line');
  });
  expect(io.stderr().split('\n').slice(0, 4)).toEqual([
    '▸ Serve',
    '  GET / -> 200 (1 ms)',
    '  warning: first line',
    '  second line',
  ]);
});

it("a masked value of several lines: each line is hidden where it shows alone (a function's log line, stdout)", () => {
  const io = testIo({});
  const logger = terminalLogger({ verbose: false, err: io.err });
  logger.mask('Line-One-Q7w2x9\n  Line-Two-Z3k8p1\n}');
  logger.info('read Line-Two-Z3k8p1 }');
  expect(io.stderr()).toBe('read *** }\n');
  expect(logger.hide('{"k": "Line-One-Q7w2x9"}')).toBe('{"k": "***"}');
});
