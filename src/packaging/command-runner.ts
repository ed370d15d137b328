import { spawn } from 'node:child_process';
import type { Logger } from '../util/logger.js';

export interface CommandResult {
  exitCode: number;
  /** The last part of stdout and stderr, interleaved as they arrived (bounded). */
  output: string;
}

/** Runs a program; injected so tests can stand in for pip. */
export interface CommandRunner {
  /**
   * Runs `command args`; resolves with its exit code (it does not throw on a
   * non-zero exit). Rejects when the program cannot be started; the error's
   * `code` is then e.g. ENOENT.
   */
  run(
    command: string,
    args: readonly string[],
    options?: { cwd?: string; env?: NodeJS.ProcessEnv },
  ): Promise<CommandResult>;
}

const KEEP_OUTPUT = 64 * 1024;

/**
 * Spawns the program and streams each output line to the logger as it
 * comes (info, so pip's "Collecting ..." progress is visible in the log),
 * keeping the last 64 KB to explain a failure.
 */
export function createCommandRunner(logger: Logger): CommandRunner {
  return {
    run(command, args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(command, args, {
          cwd: options.cwd,
          env: options.env ?? process.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        const partial = { stdout: '', stderr: '' };
        const take = (stream: 'stdout' | 'stderr', chunk: Buffer | string, flush = false): void => {
          const text = partial[stream] + chunk.toString();
          const lines = text.split(/\r?\n/);
          partial[stream] = flush ? '' : (lines.pop() ?? '');
          for (const line of lines) {
            if (line.trim() === '') continue;
            logger.info(line);
            output += `${line}\n`;
          }
          if (output.length > KEEP_OUTPUT) output = output.slice(-KEEP_OUTPUT);
        };
        child.stdout.on('data', (c: Buffer) => take('stdout', c));
        child.stderr.on('data', (c: Buffer) => take('stderr', c));
        child.on('error', reject);
        child.on('close', (code, signal) => {
          take('stdout', '', true);
          take('stderr', '', true);
          resolve({ exitCode: code ?? (signal ? 128 : 1), output });
        });
      });
    },
  };
}

/**
 * The step's environment without what an installer (pip, npm) has no use
 * for and a package's build or install script could take: the action's
 * inputs (INPUT_*: `environment` secrets, the GitHub token), the GitHub
 * tokens, and the OIDC request pair that mints a token for the deploy role
 * (a production job has it). The tools' own settings (PIP_*, npm_config_*),
 * proxies and AWS credentials (a CodeArtifact keyring) stay.
 */
export function installerEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !TAKEN_FROM_INSTALLERS.test(name)));
}

const TAKEN_FROM_INSTALLERS =
  /^(INPUT_.*|ACTIONS_ID_TOKEN_REQUEST_(TOKEN|URL)|ACTIONS_RUNTIME_TOKEN|ACTIONS_RESULTS_URL|GITHUB_TOKEN|GH_TOKEN)$/i;
