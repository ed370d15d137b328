/**
 * pip's configuration files' path entries (find-links, index-url,
 * constraint...), which pip reads from its current directory: when
 * lambda-deploy runs pip in the requirements file's folder (see pipFolder),
 * a relative one written for the step's working directory would point
 * elsewhere. They are handed to pip as the environment variables that
 * override them (PIP_FIND_LINKS...), which pipEnvironmentFrom makes
 * absolute, as it does the step's own. Pure, but for reading the files.
 */
import { readFileSync } from 'node:fs';
import { devNull, homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { URL_LIKE } from './requirement-paths.js';

/** The entries whose relative paths pip reads from its current directory. */
const PATH_KEYS = [
  'find-links',
  'index-url',
  'extra-index-url',
  'constraint',
  'build-constraint',
  'requirement',
];

/** The `[global]` and `[install]` entries of a pip configuration file (configparser's INI), keys as pip names them. */
export function configEntries(text: string): Map<string, string> {
  const sections = new Map<string, Map<string, string>>();
  let section: Map<string, string> | undefined;
  let key: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(?:[#;]|$)/.test(line)) continue;
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      section = sections.get(header[1]!.trim()) ?? new Map<string, string>();
      sections.set(header[1]!.trim(), section);
      key = undefined;
    } else if (/^\s/.test(line) && section && key) {
      section.set(key, `${section.get(key)}\n${line.trim()}`);
    } else {
      const entry = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
      // pip's names: lower case, `_` as `-`, no leading `--`.
      key = entry?.[1]!.toLowerCase().replace(/_/g, '-').replace(/^--/, '');
      if (entry && section && key) section.set(key, entry[2]!.trim());
    }
  }
  // pip install reads [global], then [install] over it.
  return new Map([...(sections.get('global') ?? []), ...(sections.get('install') ?? [])]);
}

/**
 * The configuration files pip reads on Linux and macOS, in its order (a
 * later one wins); PIP_CONFIG_FILE last. The user's only when
 * PIP_CONFIG_FILE names no file there is (`envFile`), as pip (configuration.py).
 */
function configFiles(env: NodeJS.ProcessEnv, envFile: boolean): string[] {
  if (env.PIP_CONFIG_FILE === devNull) return [];
  const home = env.HOME ?? homedir();
  return [
    ...(env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(':').map((dir) => join(dir, 'pip', 'pip.conf')),
    '/etc/pip.conf',
    ...(envFile
      ? []
      : [
          join(home, '.pip', 'pip.conf'),
          join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'pip', 'pip.conf'),
        ]),
    ...(env.PIP_CONFIG_FILE ? [env.PIP_CONFIG_FILE] : []),
  ];
}

/**
 * The environment variables (PIP_FIND_LINKS...) standing for the path
 * entries of pip's configuration files that hold a relative path, as
 * written: the caller makes them absolute and lets the step's own
 * variables, which pip reads over the files, win.
 */
export function relativeConfigEntries(
  env: NodeJS.ProcessEnv,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): NodeJS.ProcessEnv {
  return configPathEntries(env, read, true);
}

/** As relativeConfigEntries, but every path entry (absolute ones too) unless `onlyRelative`. */
export function configPathEntries(
  env: NodeJS.ProcessEnv,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
  onlyRelative = false,
): NodeJS.ProcessEnv {
  const text = (file: string) => {
    try {
      return read(file);
    } catch {
      return undefined; // No such file: pip skips it too.
    }
  };
  const envFile = Boolean(env.PIP_CONFIG_FILE) && text(env.PIP_CONFIG_FILE!) !== undefined;
  const merged = new Map<string, string>();
  for (const file of configFiles(env, envFile))
    for (const [key, value] of configEntries(text(file) ?? '')) merged.set(key, value);
  const relative = (value: string) =>
    value.split(/\s+/).some((v) => v && !isAbsolute(v) && !URL_LIKE.test(v));
  return Object.fromEntries(
    PATH_KEYS.filter((key) => (onlyRelative ? relative(merged.get(key) ?? '') : merged.has(key))).map(
      (key) => [`PIP_${key.toUpperCase().replace(/-/g, '_')}`, merged.get(key)!.split(/\s+/).join(' ')],
    ),
  );
}
