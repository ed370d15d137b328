import { describe, expect, it } from '@jest/globals';
import { requirementFiles } from '../../src/packaging/requirement-files.js';

/** A read() over a map of absolute paths to texts; any other path fails as a missing file does. */
const files =
  (texts: Record<string, string>) =>
  (path: string): string => {
    if (texts[path] === undefined) throw new Error(`ENOENT ${path}`);
    return texts[path];
  };

describe('requirementFiles', () => {
  it("follows -r and -c, as pip takes them (abbreviated, joined), each from the including file's folder", () => {
    const found = requirementFiles(
      '/repo/services/orders/requirements.txt',
      files({
        '/repo/services/orders/requirements.txt': 'fastapi\n-r ../../libs/common/requirements.txt\n-cc.txt\n',
        '/repo/libs/common/requirements.txt': '--requirem=base.txt  # shared\n-r https://x/r.txt\n',
        '/repo/libs/common/base.txt': '-r ../../services/orders/c.txt\n',
        '/repo/services/orders/c.txt': 'pydantic<3\n',
      }),
    );
    expect(found.map((f) => f.file)).toEqual([
      '/repo/services/orders/requirements.txt',
      '/repo/libs/common/requirements.txt',
      '/repo/libs/common/base.txt',
      '/repo/services/orders/c.txt',
    ]);
  });

  it('reads a file included twice (a diamond) once, and leaves out one that cannot be read (pip names it)', () => {
    const found = requirementFiles(
      '/r/a.txt',
      files({
        '/r/a.txt': '-r b.txt\n-r c.txt\n-r gone.txt\n',
        '/r/b.txt': '-r d.txt\n',
        '/r/c.txt': '-r d.txt\n',
        '/r/d.txt': 'x\n',
      }),
    );
    expect(found.map((f) => f.file)).toEqual(['/r/a.txt', '/r/b.txt', '/r/d.txt', '/r/c.txt']);
  });

  it('refuses a circle of includes, naming the line that closes it and the circle, instead of recursing', () => {
    const read = files({ '/r/a.txt': 'x\n-r sub/b.txt\n', '/r/sub/b.txt': '-r ../a.txt\n' });
    expect(() => requirementFiles('/r/a.txt', read)).toThrow(
      '/r/sub/b.txt line 1: -r ../a.txt includes /r/a.txt, which includes /r/sub/b.txt again (/r/a.txt -> /r/sub/b.txt -> /r/a.txt)',
    );
    expect(() => requirementFiles('/r/self.txt', files({ '/r/self.txt': '-r self.txt\n' }))).toThrow(
      /^\/r\/self\.txt line 1: -r self\.txt includes \/r\/self\.txt/,
    );
  });

  it('reads ${NAME} as pip does, from the environment pip runs with (unset or empty: as written), in includes too', () => {
    const found = requirementFiles(
      '/r/a.txt',
      files({
        '/r/a.txt': '-r ${BASE}/b.txt\n-e ${LIBS}/common\n${UNSET}/x\n${EMPTY}/y\n$HOME/z\n',
        '/r/sub/b.txt': '${LIBS}/other\n',
      }),
      { BASE: '/r/sub', LIBS: '/r/libs', EMPTY: '', HOME: '/home/me' },
    );
    expect(found).toEqual([
      { file: '/r/a.txt', text: '-r /r/sub/b.txt\n-e /r/libs/common\n${UNSET}/x\n${EMPTY}/y\n$HOME/z\n' },
      { file: '/r/sub/b.txt', text: '/r/libs/other\n' },
    ]);
  });

  it("joins a line ending in \\ with the next, as pip does before reading ${NAME}, keeping the first line's number", () => {
    const found = requirementFiles(
      '/r/a.txt',
      files({
        '/r/a.txt': 'x\n--find-links \\\n${HO\\\nME}/w\n-r \\\n# note\nb.txt\n-r \\\nc.txt\n',
        '/r/c.txt': 'y\n',
      }),
      { HOME: '/home/u' },
    );
    expect(found).toEqual([
      { file: '/r/a.txt', text: 'x\n--find-links /home/u/w\n\n\n-r  # note\n\nb.txt\n-r c.txt\n\n' },
      { file: '/r/c.txt', text: 'y\n' },
    ]);
  });
});
