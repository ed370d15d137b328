import { existsSync, type watch } from 'node:fs';
import { join, relative } from 'node:path';
import {
  requirementsInputsOutside,
  requirementsInputsOutsideOnceMade,
} from '../../packaging/python-requirements.js';
import type { Logger } from '../../util/logger.js';
import { errorMessage } from '../../util/retry.js';
import type { LocalStage } from './deploy-local.js';
import { watchFiles, watchFolders, type FilesWatchOptions, type FolderWatch } from './folder-watch.js';
import {
  ChangeBatch,
  changeFilter,
  folderFilter,
  namedChanges,
  reloadedLine,
  reloadFailedLine,
  watchStoppedLine,
  type WatchScope,
} from './watch-changes.js';

/** An editor's save is a few events within a few ms; a `git checkout` a burst within ~100 ms. */
export const QUIET_MS = 150;

export interface Watching {
  /** Stops watching, after a reload under way has finished. */
  close(): Promise<void>;
}

/**
 * serve --watch: reloads `stage` after each burst of changes in the folder
 * that would change its package, one at a time (changes during a reload make
 * the next one), one line each; a failed reload keeps the previous build.
 */
export function watchAndReload(
  stage: Pick<LocalStage, 'reload'>,
  scope: WatchScope,
  deps: { logger: Logger; now?: () => number; quietMs?: number; watch?: typeof watch },
): Watching {
  const now = deps.now ?? Date.now;
  const relevant = changeFilter(scope);
  const batch = new ChangeBatch(deps.quietMs ?? QUIET_MS);
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> | undefined;
  let closed = false;

  const reload = async (paths: string[]) => {
    const started = now();
    try {
      await stage.reload();
      deps.logger.info(reloadedLine(paths, now() - started));
    } catch (error) {
      deps.logger.error(reloadFailedLine(paths, errorMessage(error)));
    }
  };
  const schedule = (at: number) => {
    clearTimeout(timer);
    // A reload that ends after close() would otherwise arm a timer that holds the process open.
    if (closed) return;
    timer = setTimeout(tick, Math.max(0, at - now()));
  };
  function tick() {
    if (closed || reloading) return; // the reload's end looks again
    const paths = batch.take(now());
    if (!paths) {
      // A timer can fire a millisecond before Date.now() says the batch is quiet: look again then.
      const due = batch.due();
      if (due !== undefined) schedule(due);
      return;
    }
    // What the build reads outside the folder may differ now (a ../pyproject.toml made, a member's own).
    outside.refresh();
    reloading = reload(namedChanges(paths, (path) => existsSync(join(scope.path, path)))).finally(() => {
      reloading = undefined;
      schedule(now() + batch.quietMs);
    });
  }

  let stopped = false;
  const watchers: FolderWatch[] = [];
  // Said once, and nothing else watched: a half-watched project would reload on some changes only.
  const onError = (error: NodeJS.ErrnoException) => {
    if (stopped) return;
    stopped = true;
    for (const watcher of watchers) watcher.close();
    deps.logger.warning(watchStoppedLine(scope.path, error));
  };
  const outside = watchInputsOutside(scope, {
    onChange: (file) => schedule(batch.add(relative(scope.path, file).split('\\').join('/'), now())),
    onError,
    ...(deps.watch && { watch: deps.watch }),
  });
  watchers.push(
    outside,
    watchFolders({
      root: scope.path,
      folderWatched: folderFilter(scope),
      onChange: (relPath) => {
        // No name (rare, platform-dependent): something changed, so rebuild.
        if (relPath && !relevant(relPath)) return;
        schedule(batch.add(relPath || 'a file', now()));
      },
      onError,
      ...(deps.watch && { watch: deps.watch }),
    }),
  );
  if (stopped) for (const watcher of watchers) watcher.close();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      await reloading;
    },
  };
}

/**
 * What the build reads outside the folder (a src layout's ../uv.lock, a
 * ../requirements.txt, a uv workspace's uv.lock), and what it would read once
 * made (a src folder's ../pyproject.toml): watched by name, reported when the
 * build reads it before or after the change. `refresh` works the files out
 * again, after the folder changed, so none needs a restart of serve.
 */
function watchInputsOutside(
  scope: WatchScope,
  options: Omit<FilesWatchOptions, 'files'>,
): FolderWatch & { refresh(): void } {
  let inputs = new Set<string>();
  let watched = '';
  let watcher: FolderWatch | undefined;
  let closed = false;
  const refresh = () => {
    let files: string[];
    try {
      inputs = new Set(requirementsInputsOutside(scope));
      files = requirementsInputsOutsideOnceMade(scope);
    } catch {
      return; // a pyproject.toml mid-edit: the reload says what is wrong with it; the watch stays as it was
    }
    if (closed || files.join('\n') === watched) return;
    watcher?.close();
    watched = files.join('\n');
    watcher = watchFiles({
      ...options,
      files,
      onChange: (file) => {
        const read = inputs.has(file);
        refresh();
        if (read || inputs.has(file)) options.onChange(file);
      },
    });
  };
  refresh();
  return {
    refresh,
    close() {
      closed = true;
      watcher?.close();
    },
  };
}
