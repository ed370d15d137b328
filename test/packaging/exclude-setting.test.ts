import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { excludeSetting } from '../../src/packaging/exclude-setting.js';
import { createFileFilter } from '../../src/packaging/file-filter.js';
import { splitArgs, splitList } from '../../src/settings/input-lists.js';

/** The exclude input as the action reads it from the pasted line: YAML's value, one pattern a line. */
const asAction = (line: string) => splitList((parse(line) as { exclude: string }).exclude);

describe('excludeSetting', () => {
  it('in the action: one pattern as exclude: "!*.ts"; two or more as one pasteable YAML value, one a line', () => {
    expect(excludeSetting([], ['!*.ts'], 'action')).toBe('exclude: "!*.ts"');
    expect(excludeSetting([], ['!*.ts', '!tsconfig*.json'], 'action')).toBe(
      'exclude: "!*.ts\\n!tsconfig*.json"',
    );
    expect(asAction(excludeSetting([], ['!*.ts', '!tsconfig*.json'], 'action'))).toEqual([
      '!*.ts',
      '!tsconfig*.json',
    ]);
  });

  it("in the action: the whole input, the user's patterns and the new ones after them, none twice; on the command line: the new flags only", () => {
    expect(asAction(excludeSetting(['tests/', '!*.ts'], ['!*.ts', '!tsconfig.json'], 'action'))).toEqual([
      'tests/',
      '!*.ts',
      '!tsconfig.json',
    ]);
    expect(excludeSetting(['tests/'], ['!*.ts'], 'terminal')).toBe("--exclude '!*.ts'");
  });

  // The `!` ones come after the user's: a filter where the last match won would let them undo the user's own.
  it('pasted, the line keeps what the user left out left out, whatever the order: a `!` undoes only ours', () => {
    const files = ['legacy/a.ts', 'legacy/b.js', 'src/c.ts', 'src/d.js'];
    const packaged = (exclude: string[]) => {
      const filter = createFileFilter({ runtime: 'nodejs22.x', exclude });
      return files.filter((f) => filter.includeFile(f));
    };
    const merged = asAction(excludeSetting(['legacy/**'], ['!*.ts'], 'action'));
    expect(merged).toEqual(['legacy/**', '!*.ts']);
    expect(packaged(merged)).toEqual(['src/c.ts', 'src/d.js']);
    expect(packaged([...merged].reverse())).toEqual(['src/c.ts', 'src/d.js']);
  });

  // A folder's name may hold a quote or a backslash: the line must still be YAML giving that name.
  it('a pattern with a double quote, a backslash or a single quote reads back as it is', () => {
    const patterns = ['!we"ird', '!back\\slash', "!it's", '!a b'];
    expect(asAction(excludeSetting([], patterns, 'action'))).toEqual(patterns);
    const flags = splitArgs(excludeSetting([], patterns, 'terminal'));
    expect(flags.filter((_, i) => i % 2 === 1)).toEqual(patterns);
  });
});
