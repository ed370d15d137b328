/**
 * The CLI's name: the npm package and its command. `lambda-deploy` on the npm
 * registry is an unrelated package, so `npx lambda-deploy` would run that.
 */
export const PROGRAM = 'lambda-stage-deploy';

/**
 * Where a command's flags are listed, in words that work however the CLI was
 * started: from a clone it is `node dist/cli/index.js`, through npx
 * `npx github:org/lambda-deploy`; PROGRAM is a command only once installed.
 */
export function flagsHint(command?: string): string {
  return command ? `"${command} --help" lists its flags` : '"--help" lists the commands';
}

/** The oldest Node.js the bundle runs on: the AWS SDK and Octokit need 20, zlib.crc32 needs 20.15. */
export const MIN_NODE = [20, 15] as const;

/** Why this Node.js cannot run the CLI, or undefined when it can. Pure. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return undefined;
  return `${PROGRAM} needs Node.js ${MIN_NODE.join('.')} or newer; this is Node.js ${version.replace(/^v/, '')}.`;
}
