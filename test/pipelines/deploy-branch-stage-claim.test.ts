/**
 * Two branches can derive one stage: `Feature/Login` had to change to fit a
 * stage name, so it got a hash (`feature-login-1ce27709`), and a branch can be
 * named exactly that. A deploy whose stage came from its branch's name looks at
 * the stage's function (the read it makes anyway) and refuses, before anything
 * is uploaded or changed, one last deployed for another ref. A stage input is
 * left as it is: several refs sharing one stage is what it is for.
 */
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { appFolder, changeCode, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { branchStage } from '../../src/model/stage-name.js';

const OWNER = 'Feature/Login';
const STAGE = branchStage(OWNER);
const LOOK_ALIKE = STAGE;
const FUNCTION = `shop-${STAGE}`;

const WRITE = /^(Put|Create|Update|Delete|Tag|Untag|Publish|Add|Remove|Upload|Complete)/;

let aws: FakeAws;
let dir: string;
beforeEach(async () => {
  aws = await startFakeAws();
  aws.seed.setup('shop');
  dir = appFolder();
});
afterEach(async () => {
  await aws.close();
  removeApp(dir);
});

const push = (branch: string) => ({ ctx: { ref: `refs/heads/${branch}` } });

/** The other branch's stage, deployed by a push to it. */
async function ownerDeployed(inputs: Record<string, string> = {}, branch = OWNER) {
  const first = await deployApp(aws, dir, { ...push(branch), inputs });
  expect(first.report).toMatchObject({ status: 'success', stage: STAGE, version: '1' });
  expect(aws.account.functions.get(FUNCTION)!.tags['lambda-deploy:ref']).toBe(branch);
  changeCode(dir);
  aws.calls.clear();
}

const writes = () =>
  aws.calls
    .of({})
    .filter((c) => WRITE.test(c.operation))
    .map((c) => `${c.service}:${c.operation}`);

it('a push to the look-alike branch is refused before any write, naming both branches, the stage and the way out', async () => {
  expect(STAGE).toBe('feature-login-1ce27709');
  await ownerDeployed();
  const run = await deployApp(aws, dir, push(LOOK_ALIKE));
  expect(run.report.status).toBe('failure');
  expect(run.failure).toBe(
    `Stage ${STAGE} was last deployed for branch '${OWNER}', not for branch '${LOOK_ALIKE}' (function ${FUNCTION}, tag lambda-deploy:ref), ` +
      `whose name comes out as the same stage: deploying would replace the other's, so nothing of it was changed. ` +
      `To deploy branch '${LOOK_ALIKE}', remove stage ${STAGE} first ("npx github:org/lambda-deploy undeploy --name shop --stage ${STAGE}"), ` +
      `or set the stage input to a stage of this branch's own.`,
  );
  expect(writes()).toEqual([]);
  const fn = aws.account.functions.get(FUNCTION)!;
  expect(fn.tags['lambda-deploy:ref']).toBe(OWNER);
  expect(fn.aliases.get('live')?.FunctionVersion).toBe('1');
});

it('the CLI says --stage', async () => {
  await ownerDeployed();
  const run = await deployApp(aws, dir, { ...push(LOOK_ALIKE), surface: 'terminal' });
  expect(run.failure).toContain("or pass --stage with a stage of this branch's own.");
  expect(writes()).toEqual([]);
});

it("a stage another ref shared through a stage input is the branch's own again: branch Dev deployed with stage dev, then branch dev pushes", async () => {
  // Dev's own stage is hashed (dev-xxxxxxxx): on stage dev it came through a stage input, which shares on purpose
  // (a rollback of production from a tag must not stop the branch's next push).
  const first = await deployApp(aws, dir, { ...push('Dev'), inputs: { stage: 'dev' } });
  expect(first.report.status).toBe('success');
  changeCode(dir);
  const run = await deployApp(aws, dir, push('dev'));
  expect([run.report.status, run.failure]).toEqual(['success', undefined]);
});

it('the owner itself redeploys as before', async () => {
  await ownerDeployed();
  const run = await deployApp(aws, dir, push(OWNER));
  expect(run.report).toMatchObject({ status: 'success', version: '2' });
});

it('a stage input shares the stage on purpose: deployed, and the stage then names its last deployer', async () => {
  await ownerDeployed();
  const run = await deployApp(aws, dir, { ...push(LOOK_ALIKE), inputs: { stage: STAGE } });
  expect(run.report).toMatchObject({ status: 'success', version: '2' });
  expect(aws.account.functions.get(FUNCTION)!.tags['lambda-deploy:ref']).toBe(LOOK_ALIKE);
});

it('a function deployed before the ref tag existed: deployed as before, and tagged now', async () => {
  await ownerDeployed();
  delete aws.account.functions.get(FUNCTION)!.tags['lambda-deploy:ref'];
  const run = await deployApp(aws, dir, push(LOOK_ALIKE));
  expect(run.report).toMatchObject({ status: 'success', version: '2' });
  expect(aws.account.functions.get(FUNCTION)!.tags['lambda-deploy:ref']).toBe(LOOK_ALIKE);
});

it("the other branch's first deploy wins a race: the look-alike's read after CreateFunction refuses it, nothing of it changed", async () => {
  await ownerDeployed();
  const before = { ...aws.account.functions.get(FUNCTION)!.tags };
  // The look-alike's read comes just before the other branch's deploy made the function.
  aws.faults.fail('GetFunction', 'ResourceNotFoundException', { times: 1 });
  aws.faults.fail('GetAlias', 'ResourceNotFoundException', { times: 1 });
  const run = await deployApp(aws, dir, push(LOOK_ALIKE));
  expect(run.failure).toContain(
    `Stage ${STAGE} was last deployed for branch '${OWNER}', not for branch '${LOOK_ALIKE}'`,
  );
  const lambdaWrites = writes().filter((w) => w.startsWith('lambda:'));
  expect(lambdaWrites).toEqual(['lambda:CreateFunction']);
  expect(aws.calls.of({ operation: 'CreateFunction' }).map((c) => c.status)).toEqual([409]);
  const fn = aws.account.functions.get(FUNCTION)!;
  expect(fn.tags).toEqual(before);
  expect(fn.aliases.get('live')?.FunctionVersion).toBe('1');
});

it('the look-alike of a branch whose name the ref tag had to clean (fix/#123-login is held as fix/-123-login) is refused too', async () => {
  const owner = 'fix/#123-login';
  const stage = branchStage(owner);
  const lookAlike = stage;
  const first = await deployApp(aws, dir, push(owner));
  expect(first.report).toMatchObject({ status: 'success', stage, version: '1' });
  expect(aws.account.functions.get(`shop-${stage}`)!.tags['lambda-deploy:ref']).toBe('fix/-123-login');
  changeCode(dir);
  aws.calls.clear();
  const run = await deployApp(aws, dir, push(lookAlike));
  expect(run.failure).toContain(
    `Stage ${stage} was last deployed for branch 'fix/-123-login', not for branch '${lookAlike}' (function shop-${stage}, tag lambda-deploy:ref, which holds that name cleaned or cut as AWS requires: a character a tag may not hold became -)`,
  );
  expect(writes()).toEqual([]);
  expect(aws.account.functions.get(`shop-${stage}`)!.aliases.get('live')?.FunctionVersion).toBe('1');
  // The owner's own next push deploys as before.
  const again = await deployApp(aws, dir, push(owner));
  expect(again.report).toMatchObject({ status: 'success', version: '2' });
});
