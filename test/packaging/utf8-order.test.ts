import { describe, expect, it } from '@jest/globals';
import { sortByUtf8 } from '../../src/packaging/utf8-order.js';

const byBytes = (names: string[]): string[] =>
  [...names].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

describe('sortByUtf8', () => {
  it('sorts by UTF-8 bytes: "/" after "-" and ".", upper case before lower case, accents after ASCII', () => {
    const names = [
      'pkg/z.py',
      'pkg-1/a.py',
      'pkg.py',
      'Pkg/a.py',
      'pkg/a.py',
      'é.py',
      'e.py',
      'pkg/sub/x.py',
    ];
    expect(sortByUtf8([...names], (n) => n)).toEqual([
      'Pkg/a.py',
      'e.py',
      'pkg-1/a.py',
      'pkg.py',
      'pkg/a.py',
      'pkg/sub/x.py',
      'pkg/z.py',
      'é.py',
    ]);
  });

  it('puts U+E000-U+FFFF before characters beyond U+FFFF, as their UTF-8 bytes do (UTF-16 order would not)', () => {
    const names = ['a/\u{1F600}.txt', 'a/\uFB01.txt', 'a/b.txt'];
    // UTF-16 code units would put the emoji (a surrogate pair, 0xD83D...) before U+FB01.
    expect([...names].sort()).toEqual(['a/b.txt', 'a/\u{1F600}.txt', 'a/\uFB01.txt']);
    expect(sortByUtf8([...names], (n) => n)).toEqual(['a/b.txt', 'a/\uFB01.txt', 'a/\u{1F600}.txt']);
    expect(sortByUtf8([...names], (n) => n)).toEqual(byBytes(names));
  });

  it('sorts items by their key, in place', () => {
    const items = [{ path: 'b' }, { path: 'a/c' }, { path: 'a-d' }];
    const sorted = sortByUtf8(items, (i) => i.path);
    expect(sorted).toBe(items);
    expect(items.map((i) => i.path)).toEqual(['a-d', 'a/c', 'b']);
  });
});
