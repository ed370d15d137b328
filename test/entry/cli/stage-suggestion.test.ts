/**
 * An invalid --stage: the error suggests its cleaned form (the branch
 * normalization's), says which stage a branch of that name gets, and never
 * offers a protected stage without saying so. Refused before any AWS call.
 */
import { beforeEach, describe, expect, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { STSClient } from '@aws-sdk/client-sts';
import { stageExpected } from '../../../src/settings/stage-input.js';
import { main } from '../../../src/entry/cli/cli.js';
import { branchStage } from '../../../src/model/stage-name.js';
import { cliTestEnv, testIo } from './io.js';

const sts = mockClient(STSClient);
beforeEach(() => {
  sts.reset();
});

const env = cliTestEnv();

async function run(...argv: string[]) {
  const io = testIo(env);
  const code = await main(argv, io);
  return { code, stderr: io.stderr() };
}

describe.each(['deploy', 'undeploy', 'logs'])('%s --stage', (command) => {
  test('Feature_X: suggests --stage feature-x, and names the stage a branch of that name gets', async () => {
    const { code, stderr } = await run(command, '--name=shop', '--stage=Feature_X');
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      `error: --stage: "Feature_X" is not valid; expected up to 40 lower-case letters, digits and inner hyphens, like --stage feature-x, also the stage of branch feature-x (a branch named Feature_X gets the stage ${branchStage('Feature_X')}).`,
    );
    expect(sts.calls()).toHaveLength(0);
  });

  test('Main: its cleaned form is production by default, so it is said to be a protected stage, not just offered', async () => {
    const { code, stderr } = await run(command, '--name=shop', '--stage=Main');
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      `error: --stage: "Main" is not valid; expected up to 40 lower-case letters, digits and inner hyphens; its cleaned form main is a protected stage (--protected-stages not given, so its default: main, master, prod, production): --stage main only to mean that stage (a branch named Main gets the stage ${branchStage('Main')}).`,
    );
  });
});

test('the configured protected stages count: with --protected-stages live, LIVE is said to be one, and Main is not', async () => {
  const { stderr } = await run('undeploy', '--name=shop', '--stage=LIVE', '--protected-stages=live');
  expect(stderr).toContain(
    'its cleaned form live is a protected stage (--protected-stages: live): --stage live only to mean that stage',
  );
  const other = await run('undeploy', '--name=shop', '--stage=Main', '--protected-stages=live');
  expect(other.stderr).toContain(
    'like --stage main, also the stage of branch main (a branch named Main gets the stage',
  );
});

test('nothing left to suggest (no letter or digit): the generic examples', async () => {
  const { code, stderr } = await run('deploy', '--name=shop', '--stage=__');
  expect(code).toBe(2);
  expect(stderr.split('\n')[0]).toBe(
    'error: --stage: "__" is not valid; expected up to 40 lower-case letters, digits and inner hyphens, like "staging" or "pr-42".',
  );
});

test('too long: the suggestion is cut to 40 characters, as a stage must be', async () => {
  const long = `Feature-${'x'.repeat(40)}`;
  const { stderr } = await run('deploy', '--name=shop', `--stage=${long}`);
  expect(stderr).toContain(
    `like --stage feature-${'x'.repeat(32)}, also the stage of branch feature-${'x'.repeat(32)} (a branch named ${long} gets the stage `,
  );
});

test("PR-7: the suggestion pr-7 is pull request #7's preview, and is said to be, in the action's words too", async () => {
  const { code, stderr } = await run('deploy', '--name=shop', '--stage=PR-7');
  expect(code).toBe(2);
  expect(stderr.split('\n')[0]).toBe(
    `error: --stage: "PR-7" is not valid; expected up to 40 lower-case letters, digits and inner hyphens, like --stage pr-7, also the stage of pull request #7's preview (a branch named PR-7 gets the stage ${branchStage('PR-7')}).`,
  );
  expect(stageExpected('PR-7', ['main'], 'action', false)).toBe(
    `up to 40 lower-case letters, digits and inner hyphens, like stage: pr-7, also the stage of pull request #7's preview (a branch named PR-7 gets the stage ${branchStage('PR-7')})`,
  );
});
