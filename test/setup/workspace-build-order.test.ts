/** The workspace packages an npm workspace member's build builds first, in dependency order (workspaceBuildOrder). */
import { describe, expect, it } from '@jest/globals';
import { shellWord, workspaceBuildOrder } from '../../src/setup/workspace-build-order.js';

const link = (folder: string) => ({ resolved: folder, link: true });

describe('workspaceBuildOrder', () => {
  it('each workspace package with a build after those it depends on; devDependencies too; registry packages and unbuilt ones left out', () => {
    // api needs a and c; c needs a and b; b needs a, which needs nothing: a, then b, then c.
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { workspaces: ['packages/*', 'services/*'] },
        'node_modules/@x/a': link('packages/a'),
        'node_modules/@x/b': link('packages/b'),
        'node_modules/@x/c': link('packages/c'),
        'node_modules/@x/types': link('packages/types'),
        'node_modules/pg': { version: '8.0.0' },
        'packages/a': { name: '@x/a' },
        'packages/b': { name: '@x/b', dependencies: { '@x/a': '*' } },
        'packages/c': { name: '@x/c', dependencies: { '@x/a': '*', '@x/b': '*' } },
        'packages/types': { name: '@x/types' },
        'services/api': {
          dependencies: { '@x/a': '*', '@x/c': '*', pg: '^8' },
          devDependencies: { '@x/types': '*' },
        },
      },
    });
    expect(workspaceBuildOrder(lock, 'services/api', () => true)).toEqual([
      '@x/a',
      '@x/b',
      '@x/c',
      '@x/types',
    ]);
    expect(workspaceBuildOrder(lock, 'services/api', (f) => f !== 'packages/b')).toEqual([
      '@x/a',
      '@x/c',
      '@x/types',
    ]);
  });

  it('a cycle ends where it began; a lockfile that does not parse gives none', () => {
    const lock = JSON.stringify({
      packages: {
        'node_modules/a': link('packages/a'),
        'node_modules/api': link('services/api'),
        'packages/a': { dependencies: { api: '*' } },
        'services/api': { dependencies: { a: '*' } },
      },
    });
    expect(workspaceBuildOrder(lock, 'services/api', () => true)).toEqual(['a']);
    expect(workspaceBuildOrder('{', 'services/api', () => true)).toEqual([]);
  });

  it('quotes a name bash would read otherwise', () => {
    expect(shellWord('@acme/shared')).toBe('@acme/shared');
    expect(shellWord("it's; rm -rf ~")).toBe(`'it'\\''s; rm -rf ~'`);
  });
});
