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

/**
 * The oldest Node.js the bundle runs on: the AWS SDK and Octokit need 20,
 * zlib.crc32 needs 20.15. An AWS SDK that needs more raises it (a test reads
 * the bundled packages' engines).
 */
export const MIN_NODE = [20, 15] as const;

/** The Node.js majors to move to: an active LTS, as the AWS SDK asks. */
const UPGRADE = 'install Node.js 22 or 24';

/** Why this Node.js cannot run the CLI, or undefined when it can. Pure. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return undefined;
  return `${PROGRAM} needs Node.js ${MIN_NODE.join('.')} or newer; this is Node.js ${version.replace(/^v/, '')}: ${UPGRADE} (e.g. \`nvm install 24\`) and run it again.`;
}

/**
 * What the AWS SDK's eight-line warning on Node.js 20 says, in one line with
 * what to do, or undefined on 22 and newer. The SDK bundled today supports 20
 * (engines >=20.0.0); its releases after the first week of January 2027 need
 * 22 (aws/aws-sdk-js-v3#7983), so a warning, not a refusal. Pure.
 */
export function nodeVersionNote(version: string): string | undefined {
  const bare = version.replace(/^v/, '');
  if (Number(bare.split('.')[0]) >= 22) return undefined;
  return `note: Node.js ${bare} runs this version; AWS SDK releases after the first week of January 2027 need Node.js 22 or newer, so later versions of ${PROGRAM} will too: ${UPGRADE}.`;
}
