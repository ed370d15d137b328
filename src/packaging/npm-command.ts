/**
 * How to start npm on this machine. On Linux and macOS `npm` on PATH is a
 * script with a shebang that spawn runs directly (and PATH says which npm the
 * user chose: nvm, setup-node). On Windows it is `npm.cmd`: spawn finds no
 * `npm`, and Node refuses to run a .cmd without a shell (EINVAL since Node
 * 18.20/20.12), where quoting the arguments would be ours to get right. So
 * there npm's own JavaScript entry is run with this Node.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The machine as seen by the build; injected so tests can be Windows on Linux. */
export interface NpmHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** The running Node (process.execPath). */
  execPath: string;
  exists?: (file: string) => boolean;
  /** The machine's path rules: path.win32 on Windows unless a test lays Windows' folders out here. */
  path?: path.PlatformPath;
}

export interface NpmCommand {
  command: string;
  /** Arguments before npm's own (the entry script when run with Node). */
  prefix: string[];
  /** How it was found, for the debug log. */
  from: string;
}

const NPM_CLI = ['node_modules', 'npm', 'bin', 'npm-cli.js'];

/**
 * The command that runs npm, or undefined on Windows when no npm-cli.js is
 * found (the caller says what to install). Windows: `npm_execpath` when npm
 * runs us (an npm script; yarn and pnpm set it to their own entry, which is
 * not npm), else the npm installed with this Node (`<node dir>\node_modules\npm`),
 * else the one beside an `npm.cmd` on PATH (`npm install -g npm` puts it in %APPDATA%\npm).
 */
export function npmCommand(host: NpmHost): NpmCommand | undefined {
  if (host.platform !== 'win32') return { command: 'npm', prefix: [], from: 'PATH' };
  const p = host.path ?? path.win32;
  const exists = host.exists ?? existsSync;
  const execPath = host.env.npm_execpath;
  if (execPath && p.basename(execPath).toLowerCase() === 'npm-cli.js' && exists(execPath))
    return { command: host.execPath, prefix: [execPath], from: 'npm_execpath' };
  const besideNode = p.join(p.dirname(host.execPath), ...NPM_CLI);
  if (exists(besideNode))
    return { command: host.execPath, prefix: [besideNode], from: 'the Node.js install' };
  // Windows names its PATH variable Path; the env object of a child keeps that spelling.
  const pathValue = Object.entries(host.env).find(([k]) => k.toUpperCase() === 'PATH')?.[1] ?? '';
  for (const dir of pathValue.split(p.delimiter).filter(Boolean)) {
    const cli = p.join(dir, ...NPM_CLI);
    if (exists(p.join(dir, 'npm.cmd')) && exists(cli))
      return { command: host.execPath, prefix: [cli], from: `npm.cmd in ${dir}` };
  }
  return undefined;
}
