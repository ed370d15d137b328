import { expect, test } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { FSWatcher, watch as fsWatch } from 'node:fs';
import { sep } from 'node:path';
import { watchFolders } from '../../src/pipelines/local-deploy/folder-watch.js';

test.each<NodeJS.Platform>(['darwin', 'win32'])(
  '%s: one native recursive watch of the tree, its names with forward slashes',
  (platform) => {
    const calls: { path: string; options: unknown }[] = [];
    let listener: ((event: string, name: string | null) => void) | undefined;
    const fake = new EventEmitter() as unknown as FSWatcher;
    let closed = false;
    fake.close = () => void (closed = true);
    const watch = ((path: string, options: unknown, cb: typeof listener) => {
      calls.push({ path, options });
      listener = cb;
      return fake;
    }) as unknown as typeof fsWatch;
    const changes: string[] = [];
    const watching = watchFolders({
      root: '/project',
      folderWatched: () => false,
      onChange: (rel) => changes.push(rel),
      onError: () => undefined,
      watch,
      platform,
    });
    expect(calls).toEqual([{ path: '/project', options: { recursive: true } }]);
    listener!('change', ['pkg', 'mod.py'].join(sep));
    listener!('rename', null);
    expect(changes).toEqual(['pkg/mod.py', '']);
    watching.close();
    expect(closed).toBe(true);
  },
);
