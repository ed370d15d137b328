import { expect, test } from '@jest/globals';
import { errorLines, MAX_ERROR_LINES, PrintedError } from '../../src/local-runtime/error-lines.js';

function printed(lines: string[]): string[] {
  const found = new PrintedError();
  for (const line of lines) found.add(line);
  return found.lines();
}

const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "src/app.py", line 3, in handler',
  '    1 / 0',
  'ZeroDivisionError: division by zero',
];

test('the last traceback printed, without the lines around it', () => {
  expect(printed(['working', ...TRACEBACK, 'after', '[ERROR] x'])).toEqual(TRACEBACK);
  expect(printed(['lambda-deploy: the app raised an error', ...TRACEBACK])).toEqual(TRACEBACK);
  expect(printed(['just a line', '  indented'])).toEqual([]);
});

test('a chained exception keeps both tracebacks and the words between them', () => {
  const chained = [
    ...TRACEBACK,
    '',
    'During handling of the above exception, another exception occurred:',
    '',
    ...TRACEBACK.slice(0, 3),
    'KeyError: x',
  ];
  expect(printed(['before', ...chained, 'later'])).toEqual(chained);
});

test('a Node.js stack a function logged: the error line and its frames', () => {
  expect(
    printed(['ok', 'Error: boom', '    at total (src/a.mjs:1:2)', '    at handler (src/b.mjs:3:4)', 'done']),
  ).toEqual(['Error: boom', '    at total (src/a.mjs:1:2)', '    at handler (src/b.mjs:3:4)']);
});

test('a stack or traceback a structured logger printed as one JSON line (Powertools, pino): its lines, the log line kept out', () => {
  const stack = 'Error: db is down\n    at inner (src/a.mjs:1:26)\n    at handler (src/a.mjs:4:9)';
  const powertools = JSON.stringify({
    level: 'ERROR',
    message: 'request failed',
    error: { name: 'Error', message: 'db is down', stack },
  });
  const expected = ['Error: db is down', '    at inner (src/a.mjs:1:26)', '    at handler (src/a.mjs:4:9)'];
  expect(printed(['ok', powertools, '{"level":"INFO","msg":"done"}'])).toEqual(expected);
  // pino: `err.stack`; the runtime's prefix (time, request id, level) before the JSON.
  const pino = `2026-12-06T08:02:37.061Z\trequest-id\tINFO\t${JSON.stringify({ level: 50, err: { type: 'Error', stack } })}`;
  expect(printed([pino])).toEqual(expected);
  // Powertools for Python: logger.exception's traceback in `exception`.
  const traceback = TRACEBACK.join('\n');
  expect(printed([JSON.stringify({ level: 'ERROR', message: 'failed', exception: traceback })])).toEqual(
    TRACEBACK,
  );
  // A stack-shaped string that is no stack (no frames), or no JSON at all: nothing.
  expect(
    printed([JSON.stringify({ stack: 'just words' }), '{"stack": "Error: x\\n    at y" broken']),
  ).toEqual([]);
});

test('no stack or traceback printed: the last line its runtime marked ERROR (console.error, logging.error)', () => {
  const node = '2026-12-06T08:02:37.061Z\tf00d\tERROR\trequest failed: Error: db is down';
  expect(printed(['2026-12-06T08:02:37.060Z\tf00d\tINFO\tstarting', node, 'after'])).toEqual([node]);
  const python = '[ERROR]\t2026-12-06T08:02:37.061Z\tf00d\tpayment failed: card declined';
  expect(printed(['[INFO]\t2026-12-06T08:02:37.060Z\tf00d\tcharging', python, 'after'])).toEqual([python]);
  // A traceback printed wins over an ERROR line after it.
  expect(printed([...TRACEBACK, python])).toEqual(TRACEBACK);
  expect(printed(['[INFO]\t2026-12-06T08:02:37.060Z\tf00d\tall fine'])).toEqual([]);
});

test('a long traceback keeps its first and last lines, and says how many it left out', () => {
  const frames = Array.from({ length: 300 }, (_, i) => `  File "src/app.py", line ${i}, in f`);
  const lines = printed(['Traceback (most recent call last):', ...frames, 'RecursionError: deep']);
  expect(lines).toHaveLength(MAX_ERROR_LINES);
  expect(lines[0]).toBe('Traceback (most recent call last):');
  expect(lines[10]).toBe('… (253 more lines)');
  expect(lines.at(-1)).toBe('RecursionError: deep');
  expect(lines.at(-2)).toBe(frames.at(-1));
  const fromPayload = errorLines('python', {
    errorType: 'RecursionError',
    errorMessage: 'deep',
    stackTrace: frames,
  });
  expect(fromPayload).toEqual(lines);
});

test("a failed invocation's error as its runtime reported it", () => {
  const stackTrace = ['  File "src/app.py", line 3, in handler\n    1 / 0\n'];
  expect(
    errorLines('python', { errorType: 'ZeroDivisionError', errorMessage: 'division by zero', stackTrace }),
  ).toEqual(TRACEBACK);
  expect(
    errorLines('node', { errorType: 'Error', errorMessage: 'boom', stackTrace: ['Error: boom', '    at x'] }),
  ).toEqual(['Error: boom', '    at x']);
  expect(errorLines('python', { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out' })).toEqual([]);
});
