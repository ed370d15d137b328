/** The files lambda-deploy adds to a package (app adapter, keep-warm wrapper, slim loader) and their settings file. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPythonRuntime } from '../settings/runtimes.js';
import { runtimeAssetsDir } from '../util/assets.js';
import { type BuildPackageOptions } from './build-package-types.js';
import { type Entry } from './package-zips.js';

export const ADAPTER_MODULE = '_lambda_deploy_adapter';
export const ADAPTER_HANDLER = `${ADAPTER_MODULE}.handler`;
export const ADAPTER_FILE = `${ADAPTER_MODULE}.py`;
export const APP_SETTINGS_FILE = '_lambda_deploy_settings.json';
export const WARM_MODULE = '_lambda_deploy_warm';
export const WARM_HANDLER = `${WARM_MODULE}.handler`;

/** The keep-warm wrapper's file for a runtime: `runtime/<family>/<file>` shipped with the action. */
export function warmWrapperFile(runtime: string): { family: 'python' | 'node'; file: string } {
  return isPythonRuntime(runtime)
    ? { family: 'python', file: `${WARM_MODULE}.py` }
    : { family: 'node', file: `${WARM_MODULE}.mjs` };
}

/**
 * The files lambda-deploy adds to a package (the app adapter, the keep-warm
 * wrapper, the slim loader) and the one settings file they share, with the
 * handler Lambda must call once they are in.
 */
export class GeneratedFiles {
  readonly entries: Entry[] = [];
  by = "lambda-deploy's app adapter";
  /** What _lambda_deploy_settings.json holds: one file for the adapter, the wrapper and the slim loader. */
  private readonly settings: Record<string, unknown> = {};

  constructor(public handler: string) {}

  async add(file: string, path: string, what: string, settings: object): Promise<void> {
    if (!existsSync(path))
      throw new Error(`the ${what} shipped with lambda-deploy is missing at ${path}; reinstall the action.`);
    const code = await readFile(path);
    this.entries.push({ path: file, bytes: code.length, source: { name: file, data: code } });
    Object.assign(this.settings, settings);
  }

  /** With `app`, the WSGI/ASGI adapter; with keep-warm and a plain handler, the wrapper that answers the ping. */
  async addWrapper(options: BuildPackageOptions): Promise<void> {
    if (options.app) {
      const adapterPath = options.adapterPath ?? join(runtimeAssetsDir(), 'python', ADAPTER_FILE);
      await this.add(ADAPTER_FILE, adapterPath, 'WSGI/ASGI adapter', { app: options.app });
      this.handler = ADAPTER_HANDLER;
    } else if (options.keepWarm) {
      // A plain handler would receive the keep-warm pings itself: wrap it.
      const { family, file } = warmWrapperFile(options.runtime);
      const wrapperPath = options.warmWrapperPath ?? join(runtimeAssetsDir(), family, file);
      await this.add(file, wrapperPath, 'keep-warm wrapper', { handler: options.handler });
      this.handler = WARM_HANDLER;
      this.by = "lambda-deploy's keep-warm wrapper";
    }
  }

  addSettingsFile(): void {
    if (!Object.keys(this.settings).length) return;
    const json = Buffer.from(`${JSON.stringify(this.settings)}\n`);
    this.entries.push({
      path: APP_SETTINGS_FILE,
      bytes: json.length,
      source: { name: APP_SETTINGS_FILE, data: json },
    });
  }
}
