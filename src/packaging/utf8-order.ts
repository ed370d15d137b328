/**
 * Sorting paths in the order of their UTF-8 bytes, the order zip entries
 * are written in. JavaScript compares strings by UTF-16 code units, which
 * is the same order except between a surrogate (U+D800-U+DFFF, half of a
 * character beyond U+FFFF) and U+E000-U+FFFF; without such characters
 * (nearly always) the engine's own comparison does, without a Buffer per
 * path.
 */
const DIFFERENT_IN_UTF16 = /[\uD800-\uFFFF]/;

/** Sorts `items` in place by the UTF-8 bytes of `key(item)`. */
export function sortByUtf8<T>(items: T[], key: (item: T) => string): T[] {
  if (!items.some((item) => DIFFERENT_IN_UTF16.test(key(item))))
    return items.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  const keyed = items.map((item) => ({ item, bytes: Buffer.from(key(item), 'utf8') }));
  keyed.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  keyed.forEach((k, i) => (items[i] = k.item));
  return items;
}
