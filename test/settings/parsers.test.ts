/** The small parsers behind the inputs: pip-args like a shell, lists, slim, and the error's wording. */
import { describe, expect, test } from '@jest/globals';
import { SettingsError } from '../../src/settings/settings.js';
import { slimSetting } from '../../src/settings/extras.js';
import { splitArgs, splitList } from '../../src/settings/input-lists.js';

describe('pip-args split like a POSIX shell would', () => {
  test.each<[string, string[]]>([
    ['a\tb\nc', ['a', 'b', 'c']],
    ['  a   b  ', ['a', 'b']],
    ['--flag=""', ['--flag=']],
    ["''", ['']],
    ['"" x', ['', 'x']],
    ['a"b c"d', ['ab cd']],
    ['"a\\"b"', ['a"b']],
    ['"a\\\\b"', ['a\\b']],
    ["'a\\b'", ['a\\b']],
    ["'it\"s'", ['it"s']],
    ['\\"x', ['"x']],
    ['a\\ b', ['a b']],
    ['x\\', ['x\\']],
  ])('%j', (value, args) => {
    expect(splitArgs(value)).toEqual(args);
  });

  test.each([
    ['"abc', 'unbalanced " quote'],
    ["a 'bc", "unbalanced ' quote"],
    ['"a\\"', 'unbalanced " quote'],
  ])('%j is refused: %s', (value, message) => {
    expect(() => splitArgs(value)).toThrow(message);
  });
});

describe('lists', () => {
  test('lines, trimmed, without blanks and comments (CRLF too)', () => {
    expect(splitList(' a \r\n\r\n# note\r\n b#c \n  # indented note\n')).toEqual(['a', 'b#c']);
  });

  test('other separators when asked', () => {
    expect(splitList('a, b,,c', /,/)).toEqual(['a', 'b', 'c']);
  });
});

describe('slim', () => {
  test.each<[string, string | undefined]>([
    ['auto', 'auto'],
    ['AUTO', 'auto'],
    ['true', 'true'],
    ['Yes', 'true'],
    ['on', 'true'],
    ['1', 'true'],
    ['false', 'false'],
    ['NO', 'false'],
    ['off', 'false'],
    ['0', 'false'],
    ['automatic', undefined],
    ['auto2', undefined],
    ['xtrue', undefined],
    ['truex', undefined],
    ['xfalse', undefined],
    ['falsey', undefined],
    ['10', undefined],
    ['2', undefined],
    ['nope', undefined],
    ['', undefined],
  ])('%j -> %s', (value, setting) => {
    expect(slimSetting(value)).toBe(setting);
  });
});

describe('SettingsError', () => {
  test('one problem: on one line', () => {
    const e = new SettingsError(['memory: "1" is not valid; expected a whole number.']);
    expect([e.name, e.message]).toEqual([
      'SettingsError',
      'Invalid input: memory: "1" is not valid; expected a whole number.',
    ]);
  });

  test('several: counted, one per line', () => {
    expect(new SettingsError(['a: bad.', 'b: bad.']).message).toBe(
      '2 invalid inputs:\n  - a: bad.\n  - b: bad.',
    );
  });
});
