/** An in-memory CliIo: what a command printed on stdout and stderr, and a Ctrl-C to press. */
import { Writable } from 'node:stream';
import type { CliIo } from '../../../src/entry/cli/command.js';
import { recordingSleep } from '../../../src/util/sleep.js';
import { testPython } from '../../support/vendor-wheels.js';

export interface TestIo extends CliIo {
  stdout(): string;
  stderr(): string;
  /** Presses Ctrl-C. */
  interrupt(): void;
}

function sink(chunks: string[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
}

/** Tests reach no network: a command's request outside AWS fails as an offline machine's would, unless a test answers it. */
export const offlineFetch: typeof fetch = (input) =>
  Promise.reject(
    new TypeError(`fetch failed: tests reach no network (${String(input)})`, {
      cause: Object.assign(new Error('offline'), { code: 'ENETUNREACH' }),
    }),
  );

/**
 * The CLI tests' environment: static test keys, a region, the working folder as the workspace and
 * octo/shop as the repository (status lists only its stages). A terminal's: GITHUB_ACTIONS is
 * removed, so a CI run on GitHub (which sets it) prints what a terminal user sees; a test of the
 * runner sets it itself.
 */
export function cliTestEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    GITHUB_WORKSPACE: process.cwd(),
    LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
    GITHUB_REPOSITORY: 'octo/shop',
  };
  delete env.GITHUB_ACTIONS;
  return env;
}

/**
 * A terminal's environment for a command that builds and runs the function here (serve, deploy
 * --target local): the tests' Python, `workspace` as the workspace, GITHUB_ACTIONS removed.
 */
export function localCliEnv(workspace: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    GITHUB_WORKSPACE: workspace,
    LAMBDA_DEPLOY_PYTHON: testPython(),
    LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
  };
  delete env.GITHUB_ACTIONS;
  return env;
}

export function testIo(env: NodeJS.ProcessEnv, fetchFn: typeof fetch = offlineFetch): TestIo {
  const out: string[] = [];
  const err: string[] = [];
  let interrupt = () => undefined as void;
  const stopped = new Promise<void>((resolve) => (interrupt = resolve));
  return {
    out: sink(out),
    err: sink(err),
    env,
    sleep: recordingSleep(),
    fetch: fetchFn,
    interrupted: () => stopped,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    interrupt: () => interrupt(),
  };
}
