/**
 * The preview role's policy denies every Lambda action but CreateFunction on a
 * function named `{project}-*` without a lambda-deploy:name tag, and IAM sees a
 * function that does not exist as one without tags: a new preview stage's
 * first reads get AccessDenied, not ResourceNotFoundException. The deploy
 * takes such a function as not there when the tagging index names no
 * lambda-deploy owner, and CreateFunction tells: created (a new stage), or
 * ResourceConflictException (a function made by hand or by another tool,
 * which lambda-deploy leaves alone, creating nothing).
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  LambdaClient,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  ResourceConflictException,
  type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { deployFunction, type FunctionInput } from '../../../src/resources/function/lambda-function.js';
import {
  indexedFunctionTags,
  readStageFunction,
} from '../../../src/resources/function/stage-function-read.js';
import { stageTags } from '../../../src/model/tags.js';
import { testDeps } from '../../support/aws-deploy-sequence.js';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const NAME = 'shop-prod-api';
const ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${NAME}`;
const SHA = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' };

/** As Lambda answers a request IAM refused (the preview role, a function without the tag). */
function accessDenied(operation: string): Error {
  return Object.assign(
    new Error(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/shop-deploy-preview/gha is not authorized to perform: ` +
        `lambda:${operation} on resource: ${ARN} with an explicit deny in an identity-based policy`,
    ),
    { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 403 } },
  );
}

const input = (over: { adopt?: boolean } = {}): FunctionInput & { adopt?: boolean } => ({
  functionName: NAME,
  runtime: 'python3.12',
  handler: 'app.handler',
  memory: 256,
  timeout: 30,
  architecture: 'x86_64',
  environment: {},
  layers: [],
  roleArn: `arn:aws:iam::${ACCOUNT}:role/shop-lambda-deploy-preview`,
  description: 'lambda-deploy shop stage prod-api',
  tags: stageTags({ project: 'shop', stage: 'prod-api', repository: 'octo/shop', ref: 'prod/api' }),
  code: { bucket: 'b', key: 'lambda-deploy/shop/x.zip', codeSha256: SHA },
  keepVersions: 3,
  ...over,
});

const WRITES = [
  'CreateAliasCommand',
  'UpdateAliasCommand',
  'UpdateFunctionCodeCommand',
  'UpdateFunctionConfigurationCommand',
  'PublishVersionCommand',
  'TagResourceCommand',
  'UntagResourceCommand',
  'AddPermissionCommand',
  'DeleteFunctionCommand',
];

const lambda = new LambdaClient({ region: REGION, credentials });
const tagging = new ResourceGroupsTaggingAPIClient({ region: REGION, credentials });
// These clients only: other tests use the clients' own stacks.
const lambdaMock = mockClient(lambda);
const taggingMock = mockClient(tagging);

beforeEach(() => {
  lambdaMock.reset();
  taggingMock.reset();
  // The preview role: every read of a function without the lambda-deploy:name tag is refused,
  // whether it exists or not.
  lambdaMock.on(GetFunctionCommand).rejects(accessDenied('GetFunction'));
  lambdaMock.on(GetAliasCommand).rejects(accessDenied('GetAlias'));
});

const written = () =>
  lambdaMock
    .calls()
    .map((c) => (c.args[0] as object).constructor.name)
    .filter((n) => WRITES.includes(n));

function deploy(over: { adopt?: boolean } = {}) {
  const deps = testDeps();
  const query = { ...input(over), indexedTags: indexedFunctionTags(tagging, ARN, deps) };
  return { deps, run: deployFunction(lambda, query, deps) };
}

describe('a stage function the preview role may not read', () => {
  it('a new stage (nothing of that name, the index lists nothing): created with its tags, and deployed', async () => {
    taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    lambdaMock.on(CreateFunctionCommand).resolves({
      FunctionName: NAME,
      FunctionArn: ARN,
      State: 'Active',
      LastUpdateStatus: 'Successful',
      CodeSha256: SHA,
    });
    lambdaMock.on(PublishVersionCommand).resolves({ Version: '1', CodeSha256: SHA, State: 'Active' });
    lambdaMock.on(CreateAliasCommand).resolves({ AliasArn: `${ARN}:live` });
    lambdaMock.on(ListVersionsByFunctionCommand).resolves({ Versions: [] });

    const result = await deploy().run;

    expect(result).toMatchObject({ functionArn: ARN, version: '1', created: true, changed: true });
    const create = lambdaMock.commandCalls(CreateFunctionCommand);
    expect(create).toHaveLength(1);
    expect((create[0]!.args[0].input as CreateFunctionCommandInput).Tags).toMatchObject({
      'lambda-deploy:name': 'shop',
      'lambda-deploy:stage': 'prod-api',
    });
    expect(taggingMock.commandCalls(GetResourcesCommand)[0]!.args[0].input).toEqual({
      ResourceARNList: [ARN],
    });
  });

  it.each([
    ['the index does not list it (no tags at all)', []],
    [
      'the index lists tags of another tool, none of lambda-deploy',
      [{ ResourceARN: ARN, Tags: [{ Key: 'STAGE', Value: 'prod' }] }],
    ],
  ])(
    'a function made by hand or by another tool (%s): CreateFunction answers that it exists, the deploy stops, nothing is written',
    async (_, mappings) => {
      taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: mappings });
      lambdaMock
        .on(CreateFunctionCommand)
        .rejects(
          new ResourceConflictException({ message: `Function already exist: ${NAME}`, $metadata: {} }),
        );

      const { run } = deploy();

      await expect(run).rejects.toThrow(
        `Function ${NAME} exists but was not created by lambda-deploy (it has no lambda-deploy:name tag), ` +
          'so this deploy leaves it alone: nothing was created or changed. This role may neither read nor change it ' +
          "(the preview role's policy keeps pull requests off every function named like the project without that tag). " +
          'Choose another name or stage, or deploy with the production role and adopt: true to take it over.',
      );
      await run.catch((e: unknown) => expect(e).toMatchObject({ name: 'AwsError' }));
      expect(lambdaMock.commandCalls(CreateFunctionCommand)).toHaveLength(1);
      expect(written()).toEqual([]);
    },
  );

  it('adopt: true does not help: taking a function over is the production role’s', async () => {
    taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    lambdaMock
      .on(CreateFunctionCommand)
      .rejects(new ResourceConflictException({ message: `Function already exist: ${NAME}`, $metadata: {} }));
    await expect(deploy({ adopt: true }).run).rejects.toThrow(
      /so this deploy leaves it alone: nothing was created or changed\. .*deploy with the production role and adopt: true to take it over\.$/,
    );
    expect(written()).toEqual([]);
  });

  it('a function the index says is this very stage: a permission really missing, the denial stays', async () => {
    const own = Object.entries(input().tags).map(([Key, Value]) => ({ Key, Value }));
    taggingMock
      .on(GetResourcesCommand)
      .resolves({ ResourceTagMappingList: [{ ResourceARN: ARN, Tags: own }] });
    await expect(deploy().run).rejects.toThrow(
      /^Could not read function shop-prod-api: AccessDeniedException: .*\. The deploy role needs lambda:GetFunction\./,
    );
    expect(lambdaMock.commandCalls(CreateFunctionCommand)).toHaveLength(0);
  });

  it('a role that lacks lambda:GetFunction (AWS says no policy allows it, no Deny): the denial stays, naming the permission', async () => {
    taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const missing = Object.assign(
      new Error(
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/shop-deploy/gha is not authorized to perform: ` +
          `lambda:GetFunction on resource: ${ARN} because no identity-based policy allows the lambda:GetFunction action`,
      ),
      { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 403 } },
    );
    lambdaMock.on(GetFunctionCommand).rejects(missing);
    await expect(deploy().run).rejects.toThrow(
      /^Could not read function shop-prod-api: AccessDeniedException: .*\. The deploy role needs lambda:GetFunction\./,
    );
    expect(lambdaMock.commandCalls(CreateFunctionCommand)).toHaveLength(0);
  });

  it('the index not answering: the denial stays (nothing is created on a guess)', async () => {
    taggingMock.on(GetResourcesCommand).rejects(
      Object.assign(new Error('not authorized: tag:GetResources'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(deploy().run).rejects.toThrow(
      /^Could not read function shop-prod-api: AccessDeniedException/,
    );
    expect(lambdaMock.commandCalls(CreateFunctionCommand)).toHaveLength(0);
  });

  it('readStageFunction says it goes on as if the function were not there', async () => {
    taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const deps = testDeps();
    const read = await readStageFunction(
      lambda,
      { ...input(), indexedTags: indexedFunctionTags(tagging, ARN, deps) },
      deps,
    );
    expect(read).toEqual({ unseen: true });
  });
});
