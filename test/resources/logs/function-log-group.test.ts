/**
 * The deploy makes the function's log group with the stage's tags (the preview
 * role's policy reads and deletes only tagged ones), tags one Lambda made
 * untagged for our function (stages deployed before), never retags nor uses
 * another project's (it stops, naming it), and otherwise goes on, saying so,
 * wherever IAM refuses.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudWatchLogsClient,
  CloudWatchLogsServiceException,
  CreateLogGroupCommand,
  ListTagsForResourceCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ensureFunctionLogGroup } from '../../../src/resources/logs/stage-logs.js';
import { stageTags } from '../../../src/model/tags.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { recordingSleep } from '../../../src/util/sleep.js';

const logs = new CloudWatchLogsClient({ region: 'eu-west-1' });
const mock = mockClient(logs);
afterEach(() => {
  mock.reset();
});

const NAME = '/aws/lambda/shop-pr-7';
const ARN = `arn:aws:logs:eu-west-1:123456789012:log-group:${NAME}`;
const TAGS = stageTags({ project: 'shop', stage: 'pr-7', repository: 'octo/shop', ref: 'pull/7' });
const input = (functionIsOurs: boolean, functionExisted = false) => ({
  name: NAME,
  arn: ARN,
  tags: TAGS,
  functionIsOurs,
  functionExisted,
});

/** AWS's answers, by their wire names (CloudWatch Logs is JSON 1.1: a denial is a 400). */
const denied = () =>
  new CloudWatchLogsServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `User: arn:aws:sts::123456789012:assumed-role/shop-preview/GitHubActions is not authorized to perform: logs:ListTagsForResource on resource: ${ARN} with an explicit deny in an identity-based policy`,
  });
const exists = () =>
  new ResourceAlreadyExistsException({ message: 'The specified log group already exists', $metadata: {} });
const throttled = () =>
  new CloudWatchLogsServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });

function deps() {
  return { logger: new RecordingLogger(), sleep: recordingSleep(), random: () => 1 };
}

describe('ensureFunctionLogGroup', () => {
  it('makes the group with the stage tags (after a throttled attempt)', async () => {
    mock.on(CreateLogGroupCommand).rejectsOnce(throttled()).resolves({});
    const d = deps();
    expect(await ensureFunctionLogGroup(logs, input(false), d)).toBe('created');
    expect(mock).toHaveReceivedCommandTimes(CreateLogGroupCommand, 2);
    expect(mock).toHaveReceivedCommandWith(CreateLogGroupCommand, { logGroupName: NAME, tags: TAGS });
    expect(mock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    expect(d.logger.text('info')).toContain(`Created log group ${NAME}, tagged for this stage`);
  });

  it('one already tagged for this project: left as it is', async () => {
    mock.on(CreateLogGroupCommand).rejects(exists());
    mock.on(ListTagsForResourceCommand).resolves({ tags: TAGS });
    expect(await ensureFunctionLogGroup(logs, input(true), deps())).toBe('kept');
    expect(mock).toHaveReceivedCommandWith(ListTagsForResourceCommand, { resourceArn: ARN });
    expect(mock).not.toHaveReceivedCommand(TagResourceCommand);
  });

  it('one Lambda made without tags for our function (a stage deployed before): tagged for the stage', async () => {
    mock.on(CreateLogGroupCommand).rejects(exists());
    mock.on(ListTagsForResourceCommand).resolves({ tags: { team: 'web' } });
    mock.on(TagResourceCommand).resolves({});
    const d = deps();
    expect(await ensureFunctionLogGroup(logs, input(true), d)).toBe('tagged');
    expect(mock).toHaveReceivedCommandWith(TagResourceCommand, { resourceArn: ARN, tags: TAGS });
    expect(d.logger.text('info')).toContain(`Tagged log group ${NAME} for this stage`);
  });

  it('one without tags while the function is not known to be ours (a new function): left untagged', async () => {
    mock.on(CreateLogGroupCommand).rejects(exists());
    mock.on(ListTagsForResourceCommand).resolves({ tags: {} });
    const d = deps();
    expect(await ensureFunctionLogGroup(logs, input(false), d)).toBe('kept');
    expect(mock).not.toHaveReceivedCommand(TagResourceCommand);
    // A sentence, as the log's other lines: capitalised.
    expect(d.logger.text('info')).toContain(
      `Log group ${NAME} is there without lambda-deploy tags and its function is not known to be ours: left as it is.`,
    );
  });

  // `shop`'s stage `pr-7` and `shop-pr`'s stage `7` are both shop-pr-7: the function would log into the other's group.
  it("another project's group is never retagged nor logged into: the deploy stops, naming it", async () => {
    mock.on(CreateLogGroupCommand).rejects(exists());
    const theirs = stageTags({ project: 'shop-pr', stage: '7', repository: 'octo/shop-pr', ref: '7' });
    mock.on(ListTagsForResourceCommand).resolves({ tags: theirs });
    for (const ours of [true, false])
      await expect(ensureFunctionLogGroup(logs, input(ours), deps())).rejects.toThrow(
        `Log group ${NAME} belongs to lambda-deploy project shop-pr (stage 7, repository octo/shop-pr), not shop; ` +
          "lambda-deploy never changes another project's resources. Project shop-pr's names start with shop-pr-, as this project's stages pr-… do: choose another stage than pr-7. " +
          "(This stage's function would log into it, where that project's deploy roles read and delete the lines.)",
      );
    expect(mock).not.toHaveReceivedCommand(TagResourceCommand);
  });

  it("another repository's group of this project: refused the same way", async () => {
    mock.on(CreateLogGroupCommand).rejects(exists());
    mock
      .on(ListTagsForResourceCommand)
      .resolves({ tags: { ...TAGS, 'lambda-deploy:repository': 'someone/shop' } });
    await expect(ensureFunctionLogGroup(logs, input(true), deps())).rejects.toThrow(
      `Log group ${NAME} is stage pr-7 of repository someone/shop, not of octo/shop (tag lambda-deploy:repository)`,
    );
    // Case aside, the same repository (GitHub's names are case-insensitive).
    mock
      .on(ListTagsForResourceCommand)
      .resolves({ tags: { ...TAGS, 'lambda-deploy:repository': 'Octo/Shop' } });
    expect(await ensureFunctionLogGroup(logs, input(true), deps())).toBe('kept');
  });

  it('a group this role may not read nor make: the tagging index says whose; the deploy stops only for another owner', async () => {
    mock.on(CreateLogGroupCommand).rejects(exists());
    mock.on(ListTagsForResourceCommand).rejects(denied());
    const theirs = stageTags({ project: 'shop-pr', stage: '7', repository: 'octo/shop-pr', ref: '7' });
    const indexed = (tags: Record<string, string> | undefined) => ({
      ...input(false),
      indexedTags: async () => tags,
    });
    await expect(ensureFunctionLogGroup(logs, indexed(theirs), deps())).rejects.toThrow(
      /^Log group \/aws\/lambda\/shop-pr-7 belongs to lambda-deploy project shop-pr .* \(This role may not read it, as for any log group of another project: its tags come from the tagging index\.\)$/,
    );
    // Create refused as well (IAM checks CreateLogGroup on the existing group's tags): the same.
    mock.on(CreateLogGroupCommand).rejects(denied());
    await expect(ensureFunctionLogGroup(logs, indexed(theirs), deps())).rejects.toThrow(
      /belongs to lambda-deploy project shop-pr/,
    );
    // Ours, untagged (not listed), or an index that does not answer: on, as before.
    mock.on(CreateLogGroupCommand).rejects(exists());
    for (const tags of [TAGS, undefined])
      expect(await ensureFunctionLogGroup(logs, indexed(tags), deps())).toBe('kept');
    const broken = { ...input(false), indexedTags: () => Promise.reject(new Error('index down')) };
    expect(await ensureFunctionLogGroup(logs, broken, deps())).toBe('kept');
  });

  it('the preview role and an untagged group: its tags may not be read, so it goes on, saying why', async () => {
    mock.on(CreateLogGroupCommand).rejects(exists());
    mock.on(ListTagsForResourceCommand).rejects(denied());
    const d = deps();
    expect(await ensureFunctionLogGroup(logs, input(true), d)).toBe('kept');
    expect(mock).not.toHaveReceivedCommand(TagResourceCommand);
    expect(d.logger.text('info')).toMatch(
      /^Log group \/aws\/lambda\/\S+ is there and this role may not read its tags: left as it is\. .*prune \(production role\)/m,
    );
  });

  it('a role without logs:CreateLogGroup (policy from before): a warning naming the permissions, and on', async () => {
    mock.on(CreateLogGroupCommand).rejects(denied());
    const d = deps();
    expect(await ensureFunctionLogGroup(logs, input(false), d)).toBe('refused');
    expect(mock).toHaveReceivedCommandTimes(CreateLogGroupCommand, 1);
    expect(d.logger.text('warning')).toContain(
      'The deploy role needs logs:CreateLogGroup and logs:TagResource with the lambda-deploy:name tag',
    );
  });

  it('a role without logs:TagResource on an untagged group: a warning, and on', async () => {
    mock.on(CreateLogGroupCommand).rejects(exists());
    mock.on(ListTagsForResourceCommand).resolves({});
    mock.on(TagResourceCommand).rejects(denied());
    const d = deps();
    expect(await ensureFunctionLogGroup(logs, input(true), d)).toBe('refused');
    expect(d.logger.text('warning')).toContain('The deploy role needs logs:TagResource');
    // A command its reader can run: "lambda-deploy" is no command on anyone's machine.
    expect(d.logger.text('warning')).toContain(
      '(regenerate its policy: npx github:org/lambda-deploy policy)',
    );
  });

  it('a redeploy (the function was there) only reads: no write when the group carries the stage tags', async () => {
    mock.on(ListTagsForResourceCommand).resolves({ tags: TAGS });
    expect(await ensureFunctionLogGroup(logs, input(true, true), deps())).toBe('kept');
    expect(mock).not.toHaveReceivedCommand(CreateLogGroupCommand);
    expect(mock).not.toHaveReceivedCommand(TagResourceCommand);
  });

  it('a redeploy whose function never ran (no group yet): makes it', async () => {
    mock
      .on(ListTagsForResourceCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} }),
      );
    mock.on(CreateLogGroupCommand).resolves({});
    expect(await ensureFunctionLogGroup(logs, input(true, true), deps())).toBe('created');
  });

  it('a redeploy under the preview role: a group it may not read is one not there yet, or untagged; creating tells', async () => {
    mock.on(ListTagsForResourceCommand).rejects(denied());
    mock.on(CreateLogGroupCommand).resolvesOnce({}).rejects(exists());
    expect(await ensureFunctionLogGroup(logs, input(true, true), deps())).toBe('created');
    const d = deps();
    expect(await ensureFunctionLogGroup(logs, input(true, true), d)).toBe('kept');
    expect(mock).toHaveReceivedCommandTimes(ListTagsForResourceCommand, 2);
    expect(mock).not.toHaveReceivedCommand(TagResourceCommand);
    expect(d.logger.text('info')).toContain('may not read its tags: left as it is');
  });

  it('a create that collides with another one in progress (Lambda making the group at a first invocation, a parallel deploy) tries again', async () => {
    // CloudWatch Logs answers a concurrent create of the same group so, rather than ResourceAlreadyExists.
    const aborted = () =>
      new CloudWatchLogsServiceException({
        name: 'OperationAbortedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'A conflicting operation is currently in progress against this resource. Please try again.',
      });
    mock.on(CreateLogGroupCommand).rejectsOnce(aborted()).rejects(exists());
    mock.on(ListTagsForResourceCommand).resolves({ tags: {} });
    mock.on(TagResourceCommand).rejectsOnce(aborted()).resolves({});
    expect(await ensureFunctionLogGroup(logs, input(true), deps())).toBe('tagged');
    expect(mock).toHaveReceivedCommandTimes(CreateLogGroupCommand, 2);
    expect(mock).toHaveReceivedCommandTimes(TagResourceCommand, 2);
  });

  it('any other error stops the deploy, worded', async () => {
    mock.on(CreateLogGroupCommand).rejects(
      new CloudWatchLogsServiceException({
        name: 'LimitExceededException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Resource limit exceeded.',
      }),
    );
    await expect(ensureFunctionLogGroup(logs, input(false), deps())).rejects.toThrow(
      `Could not create log group ${NAME}: LimitExceededException: Resource limit exceeded.`,
    );
  });
});
