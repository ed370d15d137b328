import { describe, expect, it } from '@jest/globals';
import { errorBlocks, formatLogExcerpt, splitLogLines } from '../../../src/resources/logs/log-excerpt.js';

const pythonTraceback =
  '[ERROR] ValueError: boom\rTraceback (most recent call last):\r  File "/var/task/app.py", line 3, in handler\r    raise ValueError("boom")\rValueError: boom\n';

describe('splitLogLines', () => {
  it.each([
    [['a\n'], ['a']],
    [['a\nb\n'], ['a', 'b']],
    [['a\rb\r\n'], ['a', 'b']],
    [['a\r\nb'], ['a', 'b']],
    [
      [pythonTraceback],
      [
        '[ERROR] ValueError: boom',
        'Traceback (most recent call last):',
        '  File "/var/task/app.py", line 3, in handler',
        '    raise ValueError("boom")',
        'ValueError: boom',
      ],
    ],
  ])('%j', (messages, lines) => {
    expect(splitLogLines(messages)).toEqual(lines);
  });
});

describe('errorBlocks', () => {
  it.each([
    ['a Python traceback is one block', splitLogLines([pythonTraceback]), 1],
    ['plain lines have none', ['START RequestId: 1', 'hello', 'END RequestId: 1'], 0],
    ['a timeout', ['2024-01-01T00:00:00.000Z 1 Task timed out after 3.00 seconds'], 1],
    ['a runtime error type', ['{"errorType":"Runtime.ImportModuleError","errorMessage":"x"}'], 1],
    ['JSON log level', ['{"level":"ERROR","message":"db down"}'], 1],
    [
      'Node stack',
      [
        'TypeError: x is not a function',
        '    at handler (/var/task/index.js:3:5)',
        '    at Runtime.handleOnce (file:///var/runtime/index.mjs:1:2)',
        'END',
      ],
      1,
    ],
    ['two different errors', ['Exception: a', 'ok', 'Exception: b'], 2],
  ])('%s', (_name, lines, count) => {
    expect(errorBlocks(lines)).toHaveLength(count);
  });

  it('keeps the traceback lines with their error and stops at the next plain line', () => {
    const blocks = errorBlocks(['INFO start', ...splitLogLines([pythonTraceback]), 'END RequestId: x']);
    expect(blocks[0]?.text.split('\n')).toEqual([
      '[ERROR] ValueError: boom',
      'Traceback (most recent call last):',
      '  File "/var/task/app.py", line 3, in handler',
      '    raise ValueError("boom")',
      'ValueError: boom',
    ]);
  });

  it("keeps the traceback lines with their error in the local runtime's timestamped lines", () => {
    const at = '2026-12-06T05:08:57.992Z';
    const lines = [
      `${at} START RequestId: 1ff5405e-e87d-4c32-ac74-212107ccc060 Version: $LATEST`,
      `${at} [ERROR] KeyError: 'DATABASE_URL'`,
      `${at} Traceback (most recent call last):`,
      `${at}   File "src/app.py", line 2, in handler`,
      `${at}     raise KeyError("DATABASE_URL")`,
      `${at} KeyError: 'DATABASE_URL'`,
      `${at} END RequestId: 1ff5405e-e87d-4c32-ac74-212107ccc060`,
    ];
    expect(errorBlocks(lines)).toEqual([{ text: lines.slice(1, 6).join('\n'), count: 1 }]);
  });

  it('counts repeats of one error once, whatever the request id', () => {
    const lines = [
      '[ERROR] 2024-05-01T10:00:00.123Z 8f5e2c1a-1111-2222-3333-444455556666 KeyError: x',
      '[ERROR] 2024-05-01T10:00:01.456Z 9a6e2c1a-aaaa-bbbb-cccc-ddddeeeeffff KeyError: x',
    ];
    expect(errorBlocks(lines)).toEqual([{ text: lines[0], count: 2 }]);
  });

  it('cuts a very long traceback', () => {
    const lines = [
      'Traceback (most recent call last):',
      ...Array.from({ length: 100 }, (_, i) => `  File "f${i}.py"`),
    ];
    const block = errorBlocks(lines, 10)[0]?.text.split('\n') ?? [];
    expect(block).toHaveLength(11);
    expect(block[10]).toBe('  …');
  });
});

describe('formatLogExcerpt', () => {
  it('is empty for no lines', () => {
    expect(formatLogExcerpt([])).toBe('');
    expect(formatLogExcerpt(['\n', ''])).toBe('');
  });

  it('puts errors first, then the last lines', () => {
    const lines = [
      'START RequestId: 1 Version: 4',
      ...splitLogLines([pythonTraceback]),
      ...Array.from({ length: 60 }, (_, i) => `INFO line ${i}`),
      'END RequestId: 1',
    ];
    const text = formatLogExcerpt(lines);
    const errorsAt = text.indexOf('--- errors (1 distinct) ---');
    const tailAt = text.indexOf('--- last 40 lines ---');
    expect(errorsAt).toBe(0);
    expect(tailAt).toBeGreaterThan(text.indexOf('raise ValueError("boom")'));
    expect(text.slice(tailAt)).toContain('INFO line 59');
    expect(text.slice(tailAt)).toContain('END RequestId: 1');
    expect(text.slice(tailAt)).not.toContain('INFO line 20\n');
  });

  it('shows each error line once: the last lines leave out those the errors section shows, and say so', () => {
    const lines = [
      'INIT_START Runtime Version: python:3.12.v40',
      'START RequestId: 1 Version: 4',
      ...splitLogLines([pythonTraceback]),
      'END RequestId: 1',
      'REPORT RequestId: 1 Duration: 2.1 ms',
    ];
    const text = formatLogExcerpt(lines);
    expect(text).toBe(
      [
        '--- errors (1 distinct) ---',
        '[ERROR] ValueError: boom',
        'Traceback (most recent call last):',
        '  File "/var/task/app.py", line 3, in handler',
        '    raise ValueError("boom")',
        'ValueError: boom',
        '--- last 9 lines ---',
        'INIT_START Runtime Version: python:3.12.v40',
        'START RequestId: 1 Version: 4',
        '… 5 lines shown under errors',
        'END RequestId: 1',
        'REPORT RequestId: 1 Duration: 2.1 ms',
      ].join('\n'),
    );
    for (const line of splitLogLines([pythonTraceback]).slice(0, 4))
      expect(text.split('\n').filter((l) => l === line)).toHaveLength(1);
  });

  it('leaves out only lines the errors section shows word for word: a repeat with another request id stays, and a line cut by the budget', () => {
    const lines = [
      '[ERROR] 2024-05-01T10:00:00.123Z 8f5e2c1a-1111-2222-3333-444455556666 KeyError: x',
      'between',
      '[ERROR] 2024-05-01T10:00:01.456Z 9a6e2c1a-aaaa-bbbb-cccc-ddddeeeeffff KeyError: x',
      'Exception: two',
      'last',
    ];
    const text = formatLogExcerpt(lines);
    expect(text.slice(text.indexOf('--- last'))).toBe(
      [
        '--- last 5 lines ---',
        '… 1 line shown under errors',
        'between',
        lines[2],
        '… 1 line shown under errors',
        'last',
      ].join('\n'),
    );
    // Past the errors' share of the budget: an error line the errors section could not hold stays among the last lines.
    const many = Array.from({ length: 30 }, (_, i) => `Exception: failure number ${i} ${'x'.repeat(60)}`);
    const cut = formatLogExcerpt(many, { maxBytes: 2048, tailLines: 30 });
    expect(cut).toContain('more error lines not shown');
    expect(cut).toContain(many.at(-1));
    for (const line of many) expect(cut.split('\n').filter((l) => l === line).length).toBeLessThanOrEqual(1);
  });

  it('has only last lines when nothing failed', () => {
    const text = formatLogExcerpt(['a', 'b']);
    expect(text).toBe('--- last 2 lines ---\na\nb');
  });

  it.each([2048, 8192, 16384])('stays within %i bytes however much was logged', (maxBytes) => {
    const lines = Array.from({ length: 2000 }, (_, i) =>
      i % 7 === 0 ? `Exception: failure number ${i} ${'é'.repeat(100)}` : `info ${i} ${'x'.repeat(200)}`,
    );
    const text = formatLogExcerpt(lines, { maxBytes });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxBytes);
    expect(text).toContain('--- errors');
    expect(text).toContain('--- last');
    expect(text).toContain('more error lines not shown');
    // The newest line survives the bound.
    expect(text).toContain('info 1999');
  });

  it('cuts single huge lines', () => {
    const text = formatLogExcerpt(['y'.repeat(100_000)]);
    expect(text.length).toBeLessThan(700);
    expect(text).toContain('more characters');
  });

  it('errorsOnlyWhenCut: shows a traceback the last lines hold once, and apart when they do not hold it', () => {
    const short = ['START RequestId: 1', ...splitLogLines([pythonTraceback]), 'END RequestId: 1'];
    const once = formatLogExcerpt(short, { errorsOnlyWhenCut: true });
    expect(once).not.toContain('--- errors');
    expect(once.match(/raise ValueError\("boom"\)/g)).toHaveLength(1);
    expect(once).toContain('END RequestId: 1');
    // Scrolled out of the last lines: the errors section still shows it.
    const long = [...short, ...Array.from({ length: 60 }, (_, i) => `INFO line ${i}`)];
    expect(formatLogExcerpt(long, { errorsOnlyWhenCut: true })).toMatch(/^--- errors \(1 distinct\) ---/);
  });

  it('formats local runtime output the same way', () => {
    const local = [
      'Traceback (most recent call last):',
      '  File "app.py", line 1',
      'ZeroDivisionError: division by zero',
    ];
    expect(formatLogExcerpt(local)).toContain(
      '--- errors (1 distinct) ---\nTraceback (most recent call last):',
    );
  });
});

describe('formatLogExcerpt hides secrets', () => {
  const PEM_LINE = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun';
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvY3RvL3N2YyJ9.c2lnbmF0dXJlLWJ5dGVz';

  it('redacts environment values, a JWT and a PEM key of a traceback', () => {
    const record =
      `[ERROR] RuntimeError: login failed with DB_PASS=Pg-Secret-771 and ${JWT}\r` +
      'Traceback (most recent call last):\r' +
      '  File "/var/task/app.py", line 9, in handler\r' +
      `    key = """-----BEGIN PRIVATE KEY-----\r${PEM_LINE}\r${PEM_LINE}\r-----END PRIVATE KEY-----"""\r` +
      'RuntimeError: login failed\n';
    const text = formatLogExcerpt([record], { secrets: ['Pg-Secret-771'] });
    expect(text).toContain('RuntimeError: login failed');
    for (const secret of ['Pg-Secret-771', JWT.slice(0, 20), PEM_LINE.slice(0, 20), 'BEGIN PRIVATE'])
      expect(text).not.toContain(secret);
  });

  it('redacts a PEM block even when its lines are more than the excerpt keeps', () => {
    const lines = ['-----BEGIN PRIVATE KEY-----', ...Array(60).fill(PEM_LINE), '-----END PRIVATE KEY-----'];
    const text = formatLogExcerpt(lines, { tailLines: 10 });
    expect(text).not.toContain(PEM_LINE.slice(0, 20));
  });

  it('redacts a secret before cutting a long line, so its first half is not shown either', () => {
    const secret = 'Pg-Secret-7710-long-value';
    const line = `${'x '.repeat(240)}password ${secret} tail`;
    const text = formatLogExcerpt([line], { maxLineChars: 494, secrets: [secret] });
    expect(text).toContain('more characters');
    expect(text).not.toContain('Pg-Se');
  });
});
