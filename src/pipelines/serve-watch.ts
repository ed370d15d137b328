import { existsSync, type watch } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../util/retry.js';
import type { LocalStage } from './deploy-local.js';
import { watchFolders } from './folder-watch.js';
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
    reloading = reload(namedChanges(paths, (path) => existsSync(join(scope.path, path)))).finally(() => {
      reloading = undefined;
      schedule(now() + batch.quietMs);
    });
  }

  const watcher = watchFolders({
    root: scope.path,
    folderWatched: folderFilter(scope),
    onChange: (relPath) => {
      // No name (rare, platform-dependent): something changed, so rebuild.
      if (relPath && !relevant(relPath)) return;
      schedule(batch.add(relPath || 'a file', now()));
    },
    onError: (error) => deps.logger.warning(watchStoppedLine(scope.path, error)),
    ...(deps.watch && { watch: deps.watch }),
  });
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
      await reloading;
    },
  };
}
