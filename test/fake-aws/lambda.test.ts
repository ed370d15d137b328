/**
 * The fake's Lambda, through the real SDK client: the state machine on the
 * simulated clock, what Lambda refuses (with its status and error name), the
 * eventual consistency of new roles, versions, aliases, URLs, concurrency,
 * Invoke and layers; and the project's own Lambda code running against it.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  GetLayerVersionByArnCommand,
  GetPolicyCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  ListLayerVersionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import { deployFunction, type FunctionInput } from '../../src/resources/function/lambda-function.js';
import { pruneVersions } from '../../src/resources/function/function-versions.js';
import { waitForFunctionUpdated } from '../../src/resources/function/function-wait.js';
import { layersUnzippedBytes } from '../../src/resources/layers/layer-size.js';
import {
  ACCOUNT_ID,
  LAMBDA_TRUST,
  OTHER_ACCOUNT_ID,
  startFakeAws,
  type FakeAws,
} from '../../fakes/aws/index.js';
import { awsError, depsFor, expectAwsError, storedZip } from './helpers.js';

const ZIP = storedZip({ 'app.py': 'def handler(event, context):\n    return {"statusCode": 200}\n' });
const ZIP2 = storedZip({ 'app.py': 'def handler(event, context):\n    return {"statusCode": 201}\n' });
const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/exec`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');

let aws: FakeAws;
let lambda: ReturnType<FakeAws['clients']>['lambda'];

function create(over: Partial<CreateFunctionCommandInput> = {}) {
  return lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'shop-main',
      Runtime: 'python3.12',
      Handler: 'app.handler',
      Role: ROLE,
      Code: { S3Bucket: 'artifacts', S3Key: 'a.zip' },
      ...over,
    }),
  );
}

const config = (qualifier?: string) =>
  lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'shop-main', Qualifier: qualifier }));

beforeEach(async () => {
  aws = await startFakeAws();
  lambda = aws.clients().lambda;
  aws.seed.role('exec');
  aws.seed.object('artifacts', 'a.zip', ZIP);
  aws.seed.object('artifacts', 'b.zip', ZIP2);
});
afterEach(() => aws.close());

describe('the state machine, on the simulated clock', () => {
  test('CreateFunction: Pending for functionCreateMs (2 s), then Active; CodeSha256 is the hash of the S3 object', async () => {
    const created = await create();
    expect(created).toMatchObject({
      State: 'Pending',
      StateReasonCode: 'Creating',
      CodeSha256: sha(ZIP),
      CodeSize: ZIP.length,
    });
    aws.clock.advance(1_999);
    expect((await config()).State).toBe('Pending');
    aws.clock.advance(1);
    expect(await config()).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
  });

  test('EphemeralStorage: 512 MB unless set, kept by an update that leaves it out, and part of what makes a new version', async () => {
    expect((await create()).EphemeralStorage).toEqual({ Size: 512 });
    aws.clock.advance(2_000);
    await lambda.send(new PublishVersionCommand({ FunctionName: 'shop-main' }));
    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', EphemeralStorage: { Size: 2048 } }),
    );
    aws.clock.advance(60_000);
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', Timeout: 30 }));
    aws.clock.advance(60_000);
    expect(await config()).toMatchObject({ EphemeralStorage: { Size: 2048 }, Timeout: 30 });
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: 'shop-main' }));
    expect(v2).toMatchObject({ Version: '2', EphemeralStorage: { Size: 2048 } });
    expect((await config('1')).EphemeralStorage).toEqual({ Size: 512 });
  });

  test('while Pending, and while an update is InProgress, every other change is refused with 409 ResourceConflictException', async () => {
    await create();
    await expectAwsError(
      lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: 'shop-main', S3Bucket: 'artifacts', S3Key: 'b.zip' }),
      ),
      'ResourceConflictException',
      409,
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );
    aws.clock.advance(2_000);
    const updated = await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 512 }),
    );
    expect(updated).toMatchObject({ State: 'Active', LastUpdateStatus: 'InProgress', MemorySize: 512 });
    for (const call of [
      lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: 'shop-main', S3Bucket: 'artifacts', S3Key: 'b.zip' }),
      ),
      lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', Timeout: 9 })),
      lambda.send(new PublishVersionCommand({ FunctionName: 'shop-main' })),
    ])
      await expectAwsError(
        call,
        'ResourceConflictException',
        409,
        /An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:shop-main/,
      );
    aws.clock.advance(1_000);
    expect(await config()).toMatchObject({ LastUpdateStatus: 'Successful', MemorySize: 512, Timeout: 3 });
  });

  test("the project's waitForFunctionUpdated polls on the injected sleep until Active, and the account ages as it sleeps", async () => {
    await create();
    const deps = depsFor(aws);
    const start = aws.clock.now();
    await expect(waitForFunctionUpdated(lambda, 'shop-main', deps)).resolves.toMatchObject({
      State: 'Active',
    });
    expect(aws.clock.sleep.calls).toEqual([1_000, 2_000]);
    expect(aws.clock.now() - start).toBe(3_000);
    expect(aws.calls.operations('lambda').filter((o) => o === 'GetFunctionConfiguration')).toHaveLength(3);
  });

  test('failNextChange: the update ends LastUpdateStatus Failed with its reason, the project reports it, and the next update may run', async () => {
    await create();
    aws.clock.advance(2_000);
    aws.failNextChange({
      functionName: 'shop-main',
      kind: 'update',
      reason: 'Lambda could not unzip the package.',
      code: 'InvalidZipFileException',
    });
    await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'shop-main', S3Bucket: 'artifacts', S3Key: 'b.zip' }),
    );
    await expect(waitForFunctionUpdated(lambda, 'shop-main', depsFor(aws))).rejects.toThrow(
      'The last update of function shop-main failed: Lambda could not unzip the package. (InvalidZipFileException)',
    );
    expect(await config()).toMatchObject({
      State: 'Active',
      LastUpdateStatus: 'Failed',
      LastUpdateStatusReasonCode: 'InvalidZipFileException',
    });
    await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'shop-main', S3Bucket: 'artifacts', S3Key: 'a.zip' }),
    );
    aws.clock.advance(1_000);
    expect((await config()).LastUpdateStatus).toBe('Successful');
  });

  test('a failed create leaves State Failed; the function refuses updates until deleted', async () => {
    aws.failNextChange({ kind: 'create', reason: 'The role is not valid.', code: 'InvalidConfiguration' });
    await create();
    aws.clock.advance(2_000);
    expect(await config()).toMatchObject({
      State: 'Failed',
      StateReason: 'The role is not valid.',
      StateReasonCode: 'InvalidConfiguration',
    });
    await expect(waitForFunctionUpdated(lambda, 'shop-main', depsFor(aws))).rejects.toThrow(
      /is in state Failed: The role is not valid/,
    );
    await expectAwsError(
      lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', Timeout: 9 })),
      'ResourceConflictException',
      409,
      /following state: Failed/,
    );
  });
});

describe('a new IAM role is not usable by Lambda at once (eventual consistency)', () => {
  test('CreateFunction with a role created this moment: 400 "cannot be assumed by Lambda" until rolePropagationMs has passed', async () => {
    const { iam } = aws.clients();
    const made = await iam.send(
      new CreateRoleCommand({ RoleName: 'fresh', AssumeRolePolicyDocument: LAMBDA_TRUST }),
    );
    await expectAwsError(
      create({ Role: made.Role!.Arn }),
      'InvalidParameterValueException',
      400,
      'The role defined for the function cannot be assumed by Lambda.',
    );
    aws.clock.advance(7_999);
    await expectAwsError(create({ Role: made.Role!.Arn }), 'InvalidParameterValueException', 400);
    aws.clock.advance(1);
    await expect(create({ Role: made.Role!.Arn })).resolves.toMatchObject({ State: 'Pending' });
  });

  test("the project's deployFunction (roleJustCreated) retries CreateFunction on its backoff until the role has propagated", async () => {
    const { iam } = aws.clients();
    const made = await iam.send(
      new CreateRoleCommand({ RoleName: 'fresh', AssumeRolePolicyDocument: LAMBDA_TRUST }),
    );
    const input: FunctionInput = {
      functionName: 'shop-main',
      runtime: 'python3.12',
      handler: 'app.handler',
      memory: 256,
      timeout: 30,
      architecture: 'x86_64',
      environment: {},
      layers: [],
      roleArn: made.Role!.Arn!,
      description: 'shop main',
      tags: { 'lambda-deploy:name': 'shop' },
      code: { bucket: 'artifacts', key: 'a.zip', codeSha256: sha(ZIP) },
      keepVersions: 3,
      roleJustCreated: true,
    };
    const result = await deployFunction(lambda, input, depsFor(aws));
    expect(result).toMatchObject({ created: true, version: '1' });
    const creates = aws.calls.of({ operation: 'CreateFunction' });
    expect(creates.map((c) => c.error ?? 'ok')).toEqual([
      'InvalidParameterValueException',
      'InvalidParameterValueException',
      'InvalidParameterValueException',
      'ok',
    ]);
    expect(creates.at(-1)!.at - creates[0]!.at).toBe(2_000 + 4_000 + 8_000);
  });
});

describe('what Lambda refuses, with its status and error name', () => {
  const refusals: [string, () => Promise<unknown>, string, number, string | RegExp][] = [
    [
      'a function name of 65 characters',
      () => create({ FunctionName: 'f'.repeat(65) }),
      'InvalidParameterValueException',
      400,
      /at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64/,
    ],
    [
      'a function name with a slash',
      () => create({ FunctionName: 'shop/main' }),
      'InvalidParameterValueException',
      400,
      /regular expression pattern/,
    ],
    [
      'a zip function without Runtime',
      () => create({ Runtime: undefined }),
      'InvalidParameterValueException',
      400,
      'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
    ],
    [
      'a zip function without Handler',
      () => create({ Handler: undefined }),
      'InvalidParameterValueException',
      400,
      'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
    ],
    [
      'an execution role that does not exist',
      () => create({ Role: `arn:aws:iam::${ACCOUNT_ID}:role/nope` }),
      'InvalidParameterValueException',
      400,
      'The role defined for the function cannot be assumed by Lambda.',
    ],
    [
      'an execution role of another account',
      () => create({ Role: `arn:aws:iam::${OTHER_ACCOUNT_ID}:role/exec` }),
      'AccessDeniedException',
      403,
      'Cross-account pass role is not allowed.',
    ],
    [
      'a role ARN that is not one',
      () => create({ Role: 'exec' }),
      'InvalidParameterValueException',
      400,
      /at 'role' failed to satisfy constraint/,
    ],
    [
      'a deprecated runtime',
      () => create({ Runtime: 'python3.7' }),
      'InvalidParameterValueException',
      400,
      /The runtime parameter of python3.7 is no longer supported/,
    ],
    [
      'an unknown runtime',
      () => create({ Runtime: 'python4' as 'python3.12' }),
      'InvalidParameterValueException',
      400,
      /Member must satisfy enum value set/,
    ],
    [
      '128 MB less one',
      () => create({ MemorySize: 127 }),
      'InvalidParameterValueException',
      400,
      /greater than or equal to 128/,
    ],
    [
      'ephemeral storage of 511 MB',
      () => create({ EphemeralStorage: { Size: 511 } }),
      'InvalidParameterValueException',
      400,
      /'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512/,
    ],
    [
      'ephemeral storage of 10,241 MB',
      () => create({ EphemeralStorage: { Size: 10_241 } }),
      'InvalidParameterValueException',
      400,
      /less than or equal to 10240/,
    ],
    [
      'a timeout of 901 s',
      () => create({ Timeout: 901 }),
      'InvalidParameterValueException',
      400,
      /less than or equal to 900/,
    ],
    [
      'six layers',
      () =>
        create({
          Layers: [1, 2, 3, 4, 5, 6].map((n) => `arn:aws:lambda:us-east-1:999999999999:layer:l${n}:1`),
        }),
      'InvalidParameterValueException',
      400,
      'Cannot reference more than 5 layers.',
    ],
    [
      'a layer of this account that does not exist',
      () => create({ Layers: [`arn:aws:lambda:us-east-1:${ACCOUNT_ID}:layer:deps:3`] }),
      'InvalidParameterValueException',
      400,
      /Layer version .* does not exist/,
    ],
    [
      'a reserved environment variable',
      () => create({ Environment: { Variables: { AWS_REGION: 'x' } } }),
      'InvalidParameterValueException',
      400,
      /Reserved keys used in this request: AWS_REGION/,
    ],
    [
      'environment variables over 4 KB',
      () => create({ Environment: { Variables: { BIG: 'x'.repeat(4100) } } }),
      'InvalidParameterValueException',
      400,
      /exceeded the 4KB limit/,
    ],
    [
      'code whose S3 object does not exist',
      () => create({ Code: { S3Bucket: 'artifacts', S3Key: 'missing.zip' } }),
      'InvalidParameterValueException',
      400,
      /S3 Error Code: NoSuchKey/,
    ],
    [
      'code that is not a zip',
      () => create({ Code: { ZipFile: Buffer.from('not a zip') } }),
      'InvalidParameterValueException',
      400,
      /Could not unzip uploaded file/,
    ],
    [
      'a package that unzips past 250 MB',
      () => create({ Code: { ZipFile: storedZip({ 'big.bin': 'x' }, 262_144_001) } }),
      'InvalidParameterValueException',
      400,
      /exceeds the maximum allowed size of 262144000 bytes/,
    ],
  ];
  test.each(refusals)('CreateFunction refuses %s', async (_what, call, name, status, message) => {
    await expectAwsError(call(), name, status, message);
    expect(aws.account.functions.size).toBe(0);
  });

  test('a function name of exactly 64 characters is accepted', async () => {
    await expect(create({ FunctionName: 'f'.repeat(64) })).resolves.toMatchObject({
      FunctionName: 'f'.repeat(64),
    });
  });

  test('a function that exists: 409 ResourceConflictException', async () => {
    await create();
    await expectAwsError(create(), 'ResourceConflictException', 409, 'Function already exist: shop-main');
  });

  test('AddPermission on a missing function: 404 ResourceNotFoundException', async () => {
    await expectAwsError(
      lambda.send(
        new AddPermissionCommand({
          FunctionName: 'nope',
          StatementId: 's',
          Action: 'lambda:InvokeFunction',
          Principal: 'apigateway.amazonaws.com',
        }),
      ),
      'ResourceNotFoundException',
      404,
      'Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope',
    );
  });

  test('resource policies: 404 without one, 409 for a statement id used twice, 404 removing one that is not there', async () => {
    aws.seed.function('f', { alias: 'live' });
    const add = () =>
      lambda.send(
        new AddPermissionCommand({
          FunctionName: 'f',
          Qualifier: 'live',
          StatementId: 's1',
          Action: 'lambda:InvokeFunction',
          Principal: 'apigateway.amazonaws.com',
          SourceArn: 'arn:aws:execute-api:us-east-1:123456789012:abc/*/*',
        }),
      );
    await expectAwsError(
      lambda.send(new GetPolicyCommand({ FunctionName: 'f', Qualifier: 'live' })),
      'ResourceNotFoundException',
      404,
    );
    await add();
    await expectAwsError(
      add(),
      'ResourceConflictException',
      409,
      /The statement id \(s1\) provided already exists/,
    );
    const policy = JSON.parse(
      (await lambda.send(new GetPolicyCommand({ FunctionName: 'f', Qualifier: 'live' }))).Policy!,
    );
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Sid: 's1',
        Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f:live',
        Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:execute-api:us-east-1:123456789012:abc/*/*' } },
      }),
    ]);
    await expectAwsError(
      lambda.send(
        new RemovePermissionCommand({ FunctionName: 'f', Qualifier: 'live', StatementId: 'other' }),
      ),
      'ResourceNotFoundException',
      404,
      'Statement other is not found in resource policy.',
    );
    await expectAwsError(
      lambda.send(new GetPolicyCommand({ FunctionName: 'f', Qualifier: 'gone' })),
      'ResourceNotFoundException',
      404,
    );
  });
});

describe('versions and aliases', () => {
  test('PublishVersion publishes nothing new while $LATEST equals the newest version, and checks CodeSha256 (412)', async () => {
    aws.seed.function('f', { zip: ZIP });
    const first = await lambda.send(new PublishVersionCommand({ FunctionName: 'f', CodeSha256: sha(ZIP) }));
    const again = await lambda.send(new PublishVersionCommand({ FunctionName: 'f' }));
    expect([first.Version, again.Version]).toEqual(['1', '1']);
    await expectAwsError(
      lambda.send(new PublishVersionCommand({ FunctionName: 'f', CodeSha256: sha(ZIP2) })),
      'PreconditionFailedException',
      412,
      /is different from current CodeSHA256 in \$LATEST/,
    );
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f', Timeout: 10 }));
    aws.clock.advance(1_000);
    expect((await lambda.send(new PublishVersionCommand({ FunctionName: 'f' }))).Version).toBe('2');
  });

  test('a new version can be Pending (versionPublishMs); aliases need an existing version; a stale RevisionId is refused (412)', async () => {
    await aws.close();
    aws = await startFakeAws({ timings: { versionPublishMs: 500 } });
    lambda = aws.clients().lambda;
    aws.seed.function('f');
    const v = await lambda.send(new PublishVersionCommand({ FunctionName: 'f' }));
    expect(v.State).toBe('Pending');
    aws.clock.advance(500);
    expect(
      (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'f', Qualifier: '1' }))).State,
    ).toBe('Active');
    await expectAwsError(
      lambda.send(new CreateAliasCommand({ FunctionName: 'f', Name: 'live', FunctionVersion: '7' })),
      'ResourceNotFoundException',
      404,
    );
    const alias = await lambda.send(
      new CreateAliasCommand({ FunctionName: 'f', Name: 'live', FunctionVersion: '1' }),
    );
    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: 'f',
        Name: 'live',
        FunctionVersion: '1',
        RevisionId: alias.RevisionId,
      }),
    );
    await expectAwsError(
      lambda.send(
        new UpdateAliasCommand({
          FunctionName: 'f',
          Name: 'live',
          FunctionVersion: '1',
          RevisionId: alias.RevisionId,
        }),
      ),
      'PreconditionFailedException',
      412,
      /The Revision Id provided does not match the latest Revision Id/,
    );
    await expectAwsError(
      lambda.send(new GetAliasCommand({ FunctionName: 'f', Name: 'staging' })),
      'ResourceNotFoundException',
      404,
      /Cannot find alias arn/,
    );
    await expectAwsError(
      lambda.send(new DeleteFunctionCommand({ FunctionName: 'f', Qualifier: '1' })),
      'ResourceConflictException',
      409,
      'Unable to delete version because the following aliases reference it: [live]',
    );
  });

  test("ListVersionsByFunction pages with Marker; the project's pruneVersions reads every page", async () => {
    await aws.close();
    aws = await startFakeAws({ pageSize: 2 });
    lambda = aws.clients().lambda;
    aws.seed.function('f', { versions: 5 });
    const deleted = await pruneVersions(lambda, 'f', 2, [], depsFor(aws));
    expect(deleted).toEqual(['1', '2', '3']);
    expect(aws.calls.operations('lambda').filter((o) => o === 'ListVersionsByFunction')).toHaveLength(3);
    expect([...aws.account.functions.get('f')!.versions.keys()]).toEqual(['4', '5']);
    await expectAwsError(
      lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'f', Marker: 'not-a-marker' })),
      'InvalidParameterValueException',
      400,
    );
  });
});

describe('URLs, provisioned concurrency, Invoke, tags', () => {
  test('a function URL exists once per qualifier (409 the second time, 404 when missing)', async () => {
    aws.seed.function('f', { alias: 'live' });
    const made = await lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: 'f', Qualifier: 'live', AuthType: 'NONE' }),
    );
    expect(made.FunctionUrl).toMatch(/^https:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws\/$/);
    await expectAwsError(
      lambda.send(
        new CreateFunctionUrlConfigCommand({ FunctionName: 'f', Qualifier: 'live', AuthType: 'NONE' }),
      ),
      'ResourceConflictException',
      409,
      /FunctionUrlConfig exists/,
    );
    await expectAwsError(
      lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'f' })),
      'ResourceNotFoundException',
      404,
    );
  });

  test('provisioned concurrency is IN_PROGRESS, then READY; $LATEST is refused; none is 404', async () => {
    aws.seed.function('f', { alias: 'live' });
    await expectAwsError(
      lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'f', Qualifier: 'live' })),
      'ProvisionedConcurrencyConfigNotFoundException',
      404,
    );
    await expectAwsError(
      lambda.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: 'f',
          Qualifier: '$LATEST',
          ProvisionedConcurrentExecutions: 1,
        }),
      ),
      'InvalidParameterValueException',
      400,
    );
    const put = await lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: 'f',
        Qualifier: 'live',
        ProvisionedConcurrentExecutions: 2,
      }),
    );
    expect(put.Status).toBe('IN_PROGRESS');
    aws.clock.advance(10_000);
    expect(
      await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'f', Qualifier: 'live' })),
    ).toMatchObject({ Status: 'READY', AvailableProvisionedConcurrentExecutions: 2 });
  });

  test('Invoke runs the test’s handler on the resolved version; a Pending function is refused (409)', async () => {
    await aws.close();
    aws = await startFakeAws({
      invoke: ({ version, payload }) => ({
        payload: JSON.stringify({ version, echo: JSON.parse(payload) }),
        functionError: version === '2' ? 'Unhandled' : undefined,
      }),
    });
    lambda = aws.clients().lambda;
    aws.seed.function('f', { versions: 2, alias: 'live' });
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'f', Qualifier: 'live', Payload: Buffer.from('{"a":1}') }),
    );
    expect(JSON.parse(Buffer.from(out.Payload!).toString())).toEqual({ version: '2', echo: { a: 1 } });
    expect(out).toMatchObject({ FunctionError: 'Unhandled', ExecutedVersion: '2', StatusCode: 200 });
    await lambda.send(new InvokeCommand({ FunctionName: 'f', InvocationType: 'DryRun', LogType: 'Tail' }));
    // The call log names the members sent as headers; of the payload only its size.
    expect(aws.calls.of({ operation: 'Invoke' }).map((c) => c.input)).toEqual([
      { FunctionName: 'f', Qualifier: 'live', Payload: '<7 bytes>' },
      { FunctionName: 'f', InvocationType: 'DryRun', LogType: 'Tail', Payload: '<0 bytes>' },
    ]);
    aws.seed.role('exec');
    aws.seed.object('artifacts', 'a.zip', ZIP);
    await create({ FunctionName: 'new' });
    await expectAwsError(
      lambda.send(new InvokeCommand({ FunctionName: 'new' })),
      'ResourceConflictException',
      409,
      /following state: Pending/,
    );
  });

  test('a run makes the function log group, untagged, when none is there (as Lambda does); one there is kept', async () => {
    aws.seed.function('f', { alias: 'live' });
    await lambda.send(new InvokeCommand({ FunctionName: 'f', InvocationType: 'DryRun' }));
    expect(aws.account.logGroups.has('/aws/lambda/f')).toBe(false);
    await lambda.send(new InvokeCommand({ FunctionName: 'f', Qualifier: 'live' }));
    expect(aws.account.logGroups.get('/aws/lambda/f')?.tags).toEqual({});

    aws.seed.function('g', { alias: 'live' });
    aws.seed.logGroup('/aws/lambda/g', { tags: { 'lambda-deploy:name': 'shop' } });
    await lambda.send(new InvokeCommand({ FunctionName: 'g', Qualifier: 'live' }));
    expect(aws.account.logGroups.get('/aws/lambda/g')?.tags).toEqual({ 'lambda-deploy:name': 'shop' });
  });

  test('tags live on the unqualified function; GetFunction shows them', async () => {
    aws.seed.function('f', { tags: { a: '1' } });
    await lambda.send(
      new TagResourceCommand({
        Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f',
        Tags: { b: '2' },
      }),
    );
    expect(
      (
        await lambda.send(
          new ListTagsCommand({ Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f' }),
        )
      ).Tags,
    ).toEqual({ a: '1', b: '2' });
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'f' }))).Tags).toEqual({
      a: '1',
      b: '2',
    });
    await expectAwsError(
      lambda.send(
        new TagResourceCommand({
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f:live',
          Tags: { c: '3' },
        }),
      ),
      'InvalidParameterValueException',
      400,
    );
  });
});

describe('layers', () => {
  test('published from S3, listed newest first, downloadable by range from Content.Location', async () => {
    const layerZip = storedZip({ 'python/lib.py': 'x = 1\n'.repeat(100) });
    aws.seed.object('artifacts', 'layer.zip', layerZip);
    for (let i = 0; i < 2; i++)
      await lambda.send(
        new PublishLayerVersionCommand({
          LayerName: 'shop-deps',
          Content: { S3Bucket: 'artifacts', S3Key: 'layer.zip' },
          Description: `v${i}`,
        }),
      );
    const listed = await lambda.send(new ListLayerVersionsCommand({ LayerName: 'shop-deps' }));
    expect(listed.LayerVersions!.map((v) => v.Version)).toEqual([2, 1]);
    const arn = listed.LayerVersions![0]!.LayerVersionArn!;
    const got = await lambda.send(new GetLayerVersionByArnCommand({ Arn: arn }));
    expect(got.Content).toMatchObject({ CodeSize: layerZip.length, CodeSha256: sha(layerZip) });
    // The project's size check reads the zip's directory over HTTP ranges.
    const size = await layersUnzippedBytes(lambda, [arn], depsFor(aws));
    expect(size).toMatchObject({ exact: true, totalBytes: 600 });
    await expectAwsError(
      lambda.send(
        new GetLayerVersionByArnCommand({ Arn: `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:layer:shop-deps:9` }),
      ),
      'ResourceNotFoundException',
      404,
    );
  });

  test('a layer counts toward the 250 MB unzipped limit of the function', async () => {
    aws.seed.layerVersion('big', storedZip({ 'big.bin': 'x' }, 262_144_000 - 10));
    const e = await awsError(create({ Layers: [`arn:aws:lambda:us-east-1:${ACCOUNT_ID}:layer:big:1`] }));
    expect(e).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(e.message).toMatch(/exceeds the maximum allowed size/);
  });
});
