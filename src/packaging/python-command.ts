/**
 * The Python lambda-deploy runs (pip, the handler check, the slim archive's
 * unpack measure, serve's runtime): chosen here only, so a build and serve
 * never run two different interpreters.
 */

/**
 * LAMBDA_DEPLOY_PYTHON, else `python3` on PATH; on Windows `python`: the
 * python.org installer puts no python3 there, and `python3` is then the
 * Microsoft Store's placeholder.
 */
export function pythonExecutable(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  return env.LAMBDA_DEPLOY_PYTHON || (platform === 'win32' ? 'python' : 'python3');
}

/**
 * Whether a command's output is the Microsoft Store placeholder's (Windows
 * with no Python installed: `python` starts, prints this and exits 9009).
 */
export function windowsStoreStub(output: string): boolean {
  return /Python was not found; run without arguments to install from the Microsoft Store/.test(output);
}
