import { describe, expect, it } from '@jest/globals';
import {
  cell,
  code,
  details,
  fenced,
  formatDuration,
  link,
  plainText,
  shortSha,
} from '../../src/reporting/markdown.js';

describe('formatDuration', () => {
  it.each([
    [850, '850 ms'],
    [1_000, '1 s'],
    [42_400, '42 s'],
    [60_000, '1 min'],
    [125_000, '2 min 5 s'],
  ])('%i', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('markdown pieces', () => {
  it('cells keep pipes and newlines from breaking the table', () => {
    expect(cell('a|b\nc')).toBe('a\\|b c');
    // A lone CR ends a line (and the table row) for GitHub too: the next could open a code block.
    expect(cell('a\r```\r\nb')).toBe('a ``` b');
  });
  it('inline code survives backticks', () => {
    expect(code('x')).toBe('`x`');
    expect(code('a`b')).toBe('`` a`b ``');
  });
  it('a fence the content cannot close', () => {
    expect(fenced('a\n```\nb')).toBe('````text\na\n```\nb\n````');
    expect(fenced('plain\n\n')).toBe('```text\nplain\n```');
  });
  it('links escape what would end them', () => {
    expect(link('https://x.example.com/a b)')).toBe(
      '[https://x.example.com/a b)](https://x.example.com/a%20b%29)',
    );
  });
  it('details leave a blank line so Markdown renders inside', () => {
    expect(details('Logs <fn>', 'body')).toBe(
      '<details><summary>Logs &lt;fn&gt;</summary>\n\nbody\n\n</details>',
    );
  });
  it('short sha', () => {
    expect(shortSha('0123456789abcdef')).toBe('0123456');
  });
});

describe('plainText', () => {
  it.each([
    ['a <b> & c', 'a &lt;b&gt; &amp; c'],
    ['open <!-- hides the rest', 'open &lt;!-- hides the rest'],
    ['kept `<in code>` here <x>', 'kept `<in code>` here &lt;x&gt;'],
    ['``a<b`` <c', '``a<b`` &lt;c'],
    ['a lone ` tick <d', 'a lone ` tick &lt;d'],
    [
      '@octocat and (@org/team) see a@b.c `@kept`',
      '@&#8203;octocat and (@&#8203;org/team) see a@b.c `@kept`',
    ],
    ['![x](https://e/p) #3 `[k](y)`', '!&#91;x&#93;(https://e/p) #&#8203;3 `[k](y)`'],
    ['&#4; a/b#5', '&amp;#&#8203;4; a/b#&#8203;5'],
  ])('%j -> %j', (input, expected) => {
    expect(plainText(input)).toBe(expected);
  });
});
