import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { ENV_TAG } from '../../../src/resources/function/function-config.js';
import { deployFunction, type FunctionInput } from '../../../src/resources/function/lambda-function.js';
import {
  indexedFunctionTags,
  readStageFunction,
} from '../../../src/resources/function/stage-function-read.js';
import { pointAlias } from '../../../src/resources/function/function-alias.js';
import { versionEnvironmentValues } from '../../../src/resources/function/function-versions.js';
import { waitForFunctionUpdated } from '../../../src/resources/function/function-wait.js';
import { stageTags } from '../../../src/model/tags.js';
import {
  ACCOUNT_ID,
  LAMBDA_TRUST,
  OTHER_ACCOUNT_ID,
  REGION,
  startFakeAws,
  type FakeAwsOptions,
  type FakeAws,
} from '../../../fakes/aws/index.js';
import { depsFor, storedZip } from '../../fake-aws/helpers.js';
import { yourCredentialsNeed } from '../../../src/aws/aws-call.js';

const ARN = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:shop-main`;
const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/shop-lambda-deploy`;
const tags = stageTags({ project: 'shop', stage: 'main', repository: 'octo/app', ref: 'main' });

/** A package in the artifact bucket: its key and Lambda's CodeSha256 of it. */
interface Package {
  bytes: Buffer;
  key: string;
  codeSha256: string;
}
function zipPackage(body: string): Package {
  const bytes = storedZip({ 'app.py': body });
  const codeSha256 = createHash('sha256').update(bytes).digest('base64');
  return {
    bytes,
    key: `lambda-deploy/shop/${createHash('sha256').update(bytes).digest('hex')}.zip`,
    codeSha256,
  };
}
const zipA = zipPackage('def handler(event, context):\n    return "a"\n');
const zipB = zipPackage('def handler(event, context):\n    return "b"\n');
const zipC = zipPackage('def handler(event, context):\n    return "planted"\n');
const codeOf = (zip: Package) => ({ bucket: 'b', key: zip.key, codeSha256: zip.codeSha256 });

function input(zip: Package, over: Partial<FunctionInput> & { adopt?: boolean } = {}) {
  return {
    functionName: 'shop-main',
    runtime: 'python3.12',
    handler: 'app.handler',
    memory: 256,
    timeout: 30,
    architecture: 'x86_64',
    environment: {},
    layers: [],
    roleArn: ROLE,
    description: 'shop main',
    tags,
    code: codeOf(zip),
    keepVersions: 5,
    ...over,
  } satisfies FunctionInput & { adopt?: boolean };
}

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/** The one fake AWS with the project's (settled) execution role and both packages uploaded to bucket `b`. */
async function account(options: FakeAwsOptions = {}) {
  aws = await startFakeAws(options);
  const fake = aws;
  fake.seed.role('shop-lambda-deploy');
  for (const zip of [zipA, zipB]) fake.seed.object('b', zip.key, zip.bytes);
  const lambda = fake.clients().lambda;
  const fn = () => fake.account.functions.get('shop-main')!;
  const count = (operation: string) => fake.calls.of({ service: 'lambda', operation }).length;
  const inputsOf = (operation: string) => fake.calls.of({ service: 'lambda', operation }).map((c) => c.input);
  return { fake, lambda, fn, count, inputsOf };
}

describe('deployFunction on the awkward paths Lambda has', () => {
  it('create path: retries the role propagation error, waits Pending -> Active, publishes and creates live', async () => {
    // The role is refused for 6 s (2 refusals at the 2 s / 4 s backoff), the function Pending for 3 s.
    const { fake, lambda, count, inputsOf } = await account({
      timings: { rolePropagationMs: 6_000, functionCreateMs: 3_000 },
    });
    fake.seed.role('shop-lambda-deploy', { justCreated: true });
    const deps = depsFor(fake);
    const result = await deployFunction(lambda, input(zipA, { roleJustCreated: true }), deps);

    expect(result).toEqual({
      functionArn: ARN,
      aliasArn: `${ARN}:live`,
      version: '1',
      previousVersion: '',
      created: true,
      codeChanged: true,
      configChanged: true,
      changed: true,
      environmentKept: [],
      environmentBefore: [],
      previousTags: {},
      // Lambda always says where the function logs: its own group unless set otherwise.
      logGroup: '/aws/lambda/shop-main',
    });
    expect(fake.calls.of({ operation: 'CreateFunction' }).map((c) => [c.status, c.error])).toEqual([
      [400, 'InvalidParameterValueException'],
      [400, 'InvalidParameterValueException'],
      [201, undefined],
    ]);
    expect(inputsOf('CreateFunction')[2]).toMatchObject({
      FunctionName: 'shop-main',
      Code: { S3Bucket: 'b', S3Key: zipA.key },
      Architectures: ['x86_64'],
      Publish: false,
      Tags: { ...tags, [ENV_TAG]: '' },
    });
    expect(count('GetFunctionConfiguration')).toBe(3);
    expect(inputsOf('PublishVersion')).toEqual([{ FunctionName: 'shop-main', CodeSha256: zipA.codeSha256 }]);
    expect(inputsOf('CreateAlias')[0]).toMatchObject({ Name: 'live', FunctionVersion: '1' });
    // Backoff for the role (2 s, 4 s), then the poll: 1 s before the first look, 1 s, 2 s.
    expect(fake.clock.sleep.calls).toEqual([2000, 4000, 1000, 1000, 2000]);
    // The wait says why: an error name alone reads like a failure.
    expect(deps.logger.text('info')).toContain(
      'AWS said InvalidParameterValueException (the new execution role is not usable by Lambda yet: IAM takes a few seconds to reach it) while trying to create function shop-main; trying again in 2.0 s (attempt 2).',
    );
  });

  it('a role that never becomes usable (it does not trust Lambda) fails after about a minute with a trust hint', async () => {
    const { fake, lambda, fn } = await account();
    fake.seed.role('shop-lambda-deploy', {
      trust: LAMBDA_TRUST.replace('lambda.amazonaws.com', 'ec2.amazonaws.com'),
    });
    await expect(
      deployFunction(lambda, input(zipA, { roleJustCreated: true }), depsFor(fake)),
    ).rejects.toThrow(/cannot be assumed by Lambda.*must trust lambda.amazonaws.com/);
    const waited = fake.clock.sleep.calls.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThan(40_000);
    expect(waited).toBeLessThanOrEqual(60_000);
    expect(fn()).toBeUndefined();
  });

  it('an execution role that does not exist: Lambda refuses it (400) and the deploy gives up after 20 s naming the role', async () => {
    const { fake, lambda, fn } = await account();
    const missing = `arn:aws:iam::${ACCOUNT_ID}:role/nope`;
    await expect(deployFunction(lambda, input(zipA, { roleArn: missing }), depsFor(fake))).rejects.toThrow(
      `The role ${missing} must trust lambda.amazonaws.com`,
    );
    expect(fake.calls.of({ operation: 'CreateFunction' })[0]).toMatchObject({
      status: 400,
      error: 'InvalidParameterValueException',
    });
    expect(fake.clock.sleep.calls.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(20_000);
    expect(fn()).toBeUndefined();
  });

  it('an execution role of another account: 403 at once, no retry, the error names iam:PassRole', async () => {
    const { fake, lambda, fn } = await account();
    const foreign = `arn:aws:iam::${OTHER_ACCOUNT_ID}:role/shop-lambda-deploy`;
    await expect(deployFunction(lambda, input(zipA, { roleArn: foreign }), depsFor(fake))).rejects.toThrow(
      /Could not create function shop-main: .*Cross-account pass role is not allowed.*iam:PassRole/,
    );
    expect(fake.calls.of({ operation: 'CreateFunction' }).map((c) => [c.status, c.error])).toEqual([
      [403, 'AccessDeniedException'],
    ]);
    expect(fn()).toBeUndefined();
  });

  it('a function name of 65 characters: Lambda refuses it (400) and nothing is created', async () => {
    const { fake, lambda } = await account();
    const name = 'f'.repeat(65);
    await expect(deployFunction(lambda, input(zipA, { functionName: name }), depsFor(fake))).rejects.toThrow(
      /Member must have length less than or equal to 64/,
    );
    expect(fake.calls.of({ operation: 'CreateFunction' }).map((c) => c.status)).toEqual([400]);
    expect(fake.account.functions.size).toBe(0);
  });

  it('create that ends in State Failed fails with Lambda’s reason', async () => {
    const { fake, lambda, count } = await account();
    fake.failNextChange({
      kind: 'create',
      reason: 'Lambda was unable to configure your environment variables because they exceed 4 KB.',
      code: 'InvalidConfiguration',
    });
    await expect(deployFunction(lambda, input(zipA), depsFor(fake))).rejects.toThrow(
      'Function shop-main is in state Failed: Lambda was unable to configure your environment variables because they exceed 4 KB.',
    );
    expect(count('PublishVersion')).toBe(0);
  });

  it('whenCreated runs once CreateFunction made the function, while it is still Pending; not when the create is refused, nor on a redeploy', async () => {
    const { fake, lambda, count } = await account({ timings: { functionCreateMs: 3_000 } });
    const states: (string | undefined)[] = [];
    const whenCreated = async () => {
      states.push(
        (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'shop-main' }))).State,
      );
    };
    const missing = `arn:aws:iam::${ACCOUNT_ID}:role/nope`;
    await expect(
      deployFunction(lambda, input(zipA, { roleArn: missing, whenCreated }), depsFor(fake)),
    ).rejects.toThrow(/must trust lambda.amazonaws.com/);
    expect(states).toEqual([]);

    await deployFunction(lambda, input(zipA, { whenCreated }), depsFor(fake));
    expect(states).toEqual(['Pending']);
    await deployFunction(lambda, input(zipB, { whenCreated }), depsFor(fake));
    expect(states).toEqual(['Pending']);
    expect(count('PublishVersion')).toBe(2);
  });

  it('whenCreated failing fails the deploy once the function is Active, with its own error; nothing published', async () => {
    const { fake, lambda, count, fn } = await account({ timings: { functionCreateMs: 3_000 } });
    const whenCreated = () => Promise.reject(new Error('Could not create log group /aws/lambda/shop-main'));
    await expect(deployFunction(lambda, input(zipA, { whenCreated }), depsFor(fake))).rejects.toThrow(
      'Could not create log group /aws/lambda/shop-main',
    );
    expect(fn()).toBeDefined();
    expect(count('PublishVersion')).toBe(0);
    // The wait ran to its end: nothing of this call is still running when it fails.
    expect(fake.clock.sleep.calls.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3_000);
  });

  it('update path: waits out InProgress and a ResourceConflictException, then publishes', async () => {
    const { fake, lambda, count, inputsOf } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    // Someone's update is running when this deploy reads the function.
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 256 }));
    fake.calls.clear();
    // And another one starts between our wait and our UpdateFunctionCode.
    fake.faults.fail('UpdateFunctionCode', 'ResourceConflictException', {
      message: `The operation cannot be performed at this time. An update is in progress for resource: ${ARN}`,
    });

    const deps = depsFor(fake);
    const result = await deployFunction(lambda, input(zipB), deps);
    expect(result).toMatchObject({
      version: '2',
      previousVersion: '1',
      codeChanged: true,
      configChanged: false,
      changed: true,
    });
    expect(fake.calls.of({ operation: 'UpdateFunctionCode' }).map((c) => c.status)).toEqual([409, 200]);
    expect(count('UpdateFunctionConfiguration')).toBe(0);
    expect(inputsOf('UpdateFunctionCode')[1]).toMatchObject({
      Architectures: ['x86_64'],
      S3Bucket: 'b',
      Publish: false,
    });
    expect(inputsOf('PublishVersion')[0]).toMatchObject({ CodeSha256: zipB.codeSha256 });
    expect(inputsOf('UpdateAlias')[0]).toMatchObject({ Name: 'live', FunctionVersion: '2' });
    expect(deps.logger.text()).toContain('busy with another update');
  });

  it('an update that ends LastUpdateStatus Failed fails with LastUpdateStatusReason, and publishes nothing', async () => {
    const { fake, lambda, count, fn } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    const reason = `The layer arn:aws:lambda:${REGION}:1:layer:x:1 does not exist.`;
    fake.failNextChange({ kind: 'update', reason, code: 'InvalidConfiguration' });
    fake.calls.clear();
    await expect(deployFunction(lambda, input(zipA, { memory: 512 }), depsFor(fake))).rejects.toThrow(
      `The last update of function shop-main failed: ${reason}`,
    );
    expect(count('UpdateFunctionConfiguration')).toBe(1);
    expect(count('PublishVersion')).toBe(0);
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('1');
  });

  it('throttling (TooManyRequestsException, 429) is retried with backoff', async () => {
    const { fake, lambda, count, fn } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    // live's description no longer carries the fingerprint: the deploy re-publishes (version 1 again) and re-points.
    fn().aliases.get('live')!.Description = 'x';
    fake.calls.clear();
    fake.faults.throttle('GetFunction', 2).throttle('GetAlias', 1).throttle('PublishVersion', 1);
    const slept = fake.clock.sleep.calls.length;
    const result = await deployFunction(lambda, input(zipA), depsFor(fake));
    expect(result.version).toBe('1');
    expect(count('GetFunction')).toBe(3);
    expect(count('PublishVersion')).toBe(2);
    expect(
      fake.calls.calls.filter((c) => c.error === 'TooManyRequestsException').map((c) => c.status),
    ).toEqual([429, 429, 429, 429]);
    // One backoff per throttled call, no poll: version 1 is Active.
    expect(fake.clock.sleep.calls.slice(slept)).toHaveLength(4);
  });

  it('throttling while waiting is polled through', async () => {
    const { fake, lambda } = await account({ timings: { functionUpdateMs: 2_000 } });
    fake.seed.function('shop-main');
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 512 }));
    fake.faults.throttle('GetFunctionConfiguration', 1);
    await expect(waitForFunctionUpdated(lambda, 'shop-main', depsFor(fake))).resolves.toMatchObject({
      LastUpdateStatus: 'Successful',
    });
    expect(fake.clock.sleep.calls).toEqual([1000, 2000]);
  });

  it('environment variables it cannot decrypt stop the deploy instead of being wiped', async () => {
    const { fake, lambda, count } = await account();
    await deployFunction(lambda, input(zipA, { environment: { A: '1' } }), depsFor(fake));
    // Lambda's answer when the deploying role may not use the function's KMS key.
    const read = await lambda.send(new GetFunctionCommand({ FunctionName: 'shop-main' }));
    const undecryptable = () =>
      fake.faults.answer('GetFunction', {
        Configuration: {
          ...read.Configuration,
          Environment: { Error: { ErrorCode: 'AccessDeniedException', Message: 'KMS access denied' } },
        },
        Tags: read.Tags,
      });
    undecryptable();
    fake.calls.clear();
    await expect(deployFunction(lambda, input(zipA, { memory: 512 }), depsFor(fake))).rejects.toThrow(
      /AccessDeniedException KMS access denied\. The deploy role needs kms:Decrypt on the function's KMS key\. Without it, updating the function would lose the variables\./,
    );
    // From a terminal: the user's own credentials.
    undecryptable();
    await expect(
      deployFunction(lambda, input(zipA, { memory: 512 }), { ...depsFor(fake), needs: yourCredentialsNeed }),
    ).rejects.toThrow(/\. Your AWS credentials need kms:Decrypt on the function's KMS key\./);
    expect(count('UpdateFunctionConfiguration')).toBe(0);
    expect(fake.account.functions.get('shop-main')!.latest.Environment).toEqual({ Variables: { A: '1' } });
  });

  it('AccessDenied names the missing permission', async () => {
    const { fake, lambda } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    fake.faults.deny('UpdateFunctionConfiguration');
    await expect(deployFunction(lambda, input(zipA, { timeout: 60 }), depsFor(fake))).rejects.toThrow(
      /^Could not update function shop-main configuration: AccessDeniedException: .*\. The deploy role needs lambda:UpdateFunctionConfiguration\.$/,
    );
    expect(fake.calls.of({ operation: 'UpdateFunctionConfiguration' }).map((c) => c.status)).toEqual([403]);
  });

  it("a denied read of the stage's function also names the other cause: a same-named function of another project", async () => {
    const { fake, lambda, count } = await account();
    fake.seed.function('shop-main');
    fake.faults.deny('GetFunction');
    await expect(readStageFunction(lambda, input(zipA), depsFor(fake))).rejects.toThrow(
      /^Could not read function shop-main: AccessDeniedException: .*\. The deploy role needs lambda:GetFunction\. A function of that name deployed by another lambda-deploy project \(tag lambda-deploy:name\) is refused the same way: if one exists, choose another stage or project name\.$/,
    );
    expect(count('UpdateFunctionCode')).toBe(0);
  });

  describe('a denied read of the stage function asks the tagging index whose it is', () => {
    const apiTags = stageTags({ project: 'api', stage: 'v2-main', repository: 'octo/api', ref: 'v2-main' });
    async function deniedRead(seedTags: Record<string, string> | undefined, denyIndex = false) {
      const { fake, lambda, count } = await account();
      fake.seed.function('shop-main', seedTags ? { tags: seedTags } : {});
      // As the preview role's Deny answers (a missing Allow is no reason to take a function as absent).
      fake.faults
        .deny('GetFunction', Infinity, { explicit: true })
        .deny('GetAlias', Infinity, { explicit: true });
      if (denyIndex) fake.faults.deny('tagging:GetResources');
      const deps = depsFor(fake);
      const query = { ...input(zipA), indexedTags: indexedFunctionTags(fake.clients().tagging, ARN, deps) };
      const error = await readStageFunction(lambda, query, deps).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      const lookups = fake.calls.of({ service: 'tagging', operation: 'GetResources' }).map((c) => c.input);
      return { error, lookups, count };
    }

    it("another project's function: refused in the words a readable one gets, from one lookup by ARN", async () => {
      const { error, lookups, count } = await deniedRead(apiTags);
      expect(error?.message).toBe(
        "Function shop-main belongs to lambda-deploy project api (stage v2-main, repository octo/api), not shop; lambda-deploy never changes another project's resources. Choose another name or stage. " +
          '(Reading it was refused, as for any function of another project: its tags come from the tagging index.)',
      );
      expect(error?.name).toBe('AwsError');
      expect(lookups).toEqual([{ ResourceARNList: [ARN] }]);
      expect(count('UpdateFunctionCode') + count('CreateFunction')).toBe(0);
    });

    it.each([
      ['a function the index does not list (no tags)', undefined],
      ['a function with tags of its own but none of lambda-deploy', { team: 'data' }],
    ])(
      '%s: as the preview role reads one made by hand, so it reads a new stage: taken as not there, and CreateFunction tells',
      async (_, seedTags) => {
        const { error, lookups, count } = await deniedRead(seedTags);
        expect(error).toBeUndefined();
        expect(lookups).toHaveLength(1);
        expect(count('CreateFunction')).toBe(0);
        const deps = depsFor(aws!);
        const query = {
          ...input(zipA),
          indexedTags: indexedFunctionTags(aws!.clients().tagging, ARN, deps),
        };
        await expect(deployFunction(aws!.clients().lambda, query, deps)).rejects.toThrow(
          /^Function shop-main exists but was not created by lambda-deploy \(it has no lambda-deploy:name tag\), so this deploy leaves it alone: nothing was created or changed\./,
        );
        expect(
          aws!.calls.of({ service: 'lambda', operation: 'CreateFunction' }).map((c) => c.status),
        ).toEqual([409]);
        expect(aws!.account.functions.get('shop-main')!.latest.CodeSha256).not.toBe(zipA.codeSha256);
        for (const write of [
          'UpdateFunctionCode',
          'UpdateFunctionConfiguration',
          'TagResource',
          'PublishVersion',
        ])
          expect(count(write)).toBe(0);
      },
    );

    it.each([
      ['a function tagged as this very stage (a permission really missing)', tags, false],
      ['an index that may not be read either', apiTags, true],
    ])('%s: the denial stays, with the permission it needs', async (_, seedTags, denyIndex) => {
      const { error, lookups } = await deniedRead(seedTags, denyIndex);
      expect(error?.message).toMatch(
        /^Could not read function shop-main: AccessDeniedException: .*\. The deploy role needs lambda:GetFunction\. A function of that name deployed by another lambda-deploy project/,
      );
      expect(lookups).toHaveLength(1);
    });

    it('the index is not asked when the read fails otherwise', async () => {
      const { fake, lambda } = await account();
      fake.seed.function('shop-main', { tags: apiTags });
      fake.faults.fail('GetFunction', 'InvalidParameterValueException');
      const deps = depsFor(fake);
      const query = { ...input(zipA), indexedTags: indexedFunctionTags(fake.clients().tagging, ARN, deps) };
      await expect(readStageFunction(lambda, query, deps)).rejects.toThrow(/InvalidParameterValueException/);
      expect(fake.calls.of({ service: 'tagging' })).toHaveLength(0);
    });
  });

  it('AccessDenied while waiting fails at once instead of waiting for five minutes', async () => {
    const { fake, lambda, count } = await account();
    fake.seed.function('shop-main');
    fake.faults.deny('GetFunctionConfiguration');
    await expect(waitForFunctionUpdated(lambda, 'shop-main', depsFor(fake))).rejects.toThrow(
      /The deploy role needs lambda:GetFunctionConfiguration\./,
    );
    expect(count('GetFunctionConfiguration')).toBe(1);
    expect(fake.clock.sleep.calls).toEqual([]);
  });

  it('waiting gives up after about five minutes, polling every 1 s doubling to 5 s', async () => {
    const { fake, lambda } = await account({ timings: { functionUpdateMs: 400_000 } });
    fake.seed.function('shop-main');
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 512 }));
    await expect(waitForFunctionUpdated(lambda, 'shop-main', depsFor(fake))).rejects.toThrow(
      'Timed out after 300 s waiting for function shop-main to be ready (last seen: LastUpdateStatus InProgress)',
    );
    expect(fake.clock.sleep.calls.slice(0, 5)).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(fake.clock.sleep.calls.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(300_000);
  });

  it('pointAlias moves live and leaves no fingerprint, so the next deploy re-checks', async () => {
    const { fake, lambda, fn, inputsOf } = await account();
    fake.seed.function('shop-main', { versions: 3, alias: 'live' });
    fn().aliases.get('live')!.FunctionVersion = '1';
    expect(await pointAlias(lambda, 'shop-main', '3', depsFor(fake))).toBe(`${ARN}:live`);
    expect(inputsOf('UpdateAlias')[0]).toMatchObject({
      FunctionName: 'shop-main',
      Name: 'live',
      FunctionVersion: '3',
      Description: 'lambda-deploy pointed',
    });
    expect(fn().aliases.get('live')).toMatchObject({
      FunctionVersion: '3',
      Description: 'lambda-deploy pointed',
    });
  });

  it("versionEnvironmentValues reads a version's own values, not $LATEST's; undecryptable ones are an error", async () => {
    const { fake, lambda } = await account();
    await deployFunction(lambda, input(zipA, { environment: { KEY: 'old-value-1' } }), depsFor(fake));
    await deployFunction(lambda, input(zipB, { environment: { KEY: 'new-value-2' } }), depsFor(fake));
    expect(await versionEnvironmentValues(lambda, 'shop-main', '1', depsFor(fake))).toEqual(['old-value-1']);
    fake.faults.answer('GetFunctionConfiguration', {
      Version: '1',
      Environment: { Error: { ErrorCode: 'KMSAccessDeniedException', Message: 'KMS access denied' } },
    });
    await expect(versionEnvironmentValues(lambda, 'shop-main', '1', depsFor(fake))).rejects.toThrow(
      'Could not read the environment variables of version 1 of function shop-main: KMSAccessDeniedException KMS access denied',
    );
  });
});

describe('deployFunction against the stateful fake', () => {
  it('unchanged redeploy: GetFunction + GetAlias only; no update, no publish, alias untouched', async () => {
    const { fake, lambda } = await account();
    await deployFunction(lambda, input(zipA, { environment: { A: '1' } }), depsFor(fake));
    fake.calls.clear();
    const result = await deployFunction(lambda, input(zipA, { environment: { A: '1' } }), depsFor(fake));
    expect(result).toMatchObject({
      changed: false,
      codeChanged: false,
      configChanged: false,
      version: '1',
      previousVersion: '1',
    });
    expect(fake.calls.counts()).toEqual({ 'lambda:GetFunction': 1, 'lambda:GetAlias': 1 });
  });

  describe('weights a pull request left on live (a stage deployed as a preview, then protected)', () => {
    /** The preview's credentials publish their own code as a version and send part of live's traffic to it. */
    async function plantWeight(lambda: Awaited<ReturnType<typeof account>>['lambda'], fake: FakeAws) {
      await lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: 'shop-main', S3Bucket: 'b', S3Key: zipC.key }),
      );
      fake.clock.advance(5_000);
      const planted = await lambda.send(new PublishVersionCommand({ FunctionName: 'shop-main' }));
      fake.clock.advance(5_000);
      await lambda.send(
        new UpdateAliasCommand({
          FunctionName: 'shop-main',
          Name: 'live',
          RoutingConfig: { AdditionalVersionWeights: { [planted.Version!]: 0.25 } },
        }),
      );
      return planted.Version!;
    }

    it('a deploy that moves live takes the weights off: all traffic to the version it published', async () => {
      const { fake, lambda, fn, inputsOf } = await account();
      fake.seed.object('b', zipC.key, zipC.bytes);
      await deployFunction(lambda, input(zipA), depsFor(fake));
      const planted = await plantWeight(lambda, fake);
      expect(fn().aliases.get('live')?.RoutingConfig).toEqual({
        AdditionalVersionWeights: { [planted]: 0.25 },
      });

      const result = await deployFunction(lambda, input(zipB), depsFor(fake));

      expect(fn().aliases.get('live')).toMatchObject({ FunctionVersion: result.version });
      expect(fn().aliases.get('live')?.RoutingConfig).toBeUndefined();
      expect(inputsOf('UpdateAlias').at(-1)).toMatchObject({
        RoutingConfig: { AdditionalVersionWeights: {} },
      });
    });

    it('an otherwise unchanged redeploy does not take live as serving $LATEST while part of its traffic goes elsewhere', async () => {
      const { fake, lambda, fn } = await account();
      fake.seed.object('b', zipC.key, zipC.bytes);
      await deployFunction(lambda, input(zipA), depsFor(fake));
      await plantWeight(lambda, fake);
      // $LATEST back to the workflow's code: live's description still holds its fingerprint.
      await lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: 'shop-main', S3Bucket: 'b', S3Key: zipA.key }),
      );
      fake.clock.advance(5_000);

      const result = await deployFunction(lambda, input(zipA), depsFor(fake));

      expect(result).toMatchObject({ changed: true, previousVersion: '1' });
      expect(fn().aliases.get('live')?.FunctionVersion).toBe(result.version);
      expect(fn().versions.get(result.version)?.config.CodeSha256).toBe(zipA.codeSha256);
      expect(fn().aliases.get('live')?.RoutingConfig).toBeUndefined();
    });
  });

  it("logs sent to another stage's group of the project (one a preview's credentials read) go back to the function's own; a group outside the project's stays", async () => {
    const { fake, lambda, fn, inputsOf } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    // While the stage was a preview: its logs (and its production deploys' later) to the pull request's group.
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'shop-main',
        LoggingConfig: { LogGroup: '/aws/lambda/shop-pr-7' },
      }),
    );
    fake.clock.advance(5_000);
    const deps = depsFor(fake);

    const result = await deployFunction(lambda, input(zipA), deps);

    expect(fn().latest.LoggingConfig?.LogGroup).toBe('/aws/lambda/shop-main');
    expect(inputsOf('UpdateFunctionConfiguration').at(-1)).toMatchObject({
      LoggingConfig: { LogGroup: '/aws/lambda/shop-main' },
    });
    expect(result).toMatchObject({ configChanged: true, logGroup: '/aws/lambda/shop-main' });
    expect(deps.logger.text('warning')).toMatch(/\/aws\/lambda\/shop-pr-7/);

    // The owner's own choice, outside /aws/lambda/shop-*, is theirs.
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'shop-main',
        LoggingConfig: { LogGroup: '/teams/shop' },
      }),
    );
    fake.clock.advance(5_000);
    await deployFunction(lambda, input(zipA), depsFor(fake));
    expect(fn().latest.LoggingConfig?.LogGroup).toBe('/teams/shop');
  });

  it('a protected stage that ran as another execution role (a preview deployed it): variables set outside the workflow stay, with a warning naming them', async () => {
    const { fake, lambda, fn } = await account();
    fake.seed.role('shop-lambda-deploy-preview');
    await deployFunction(lambda, input(zipA, { environment: { A: '1' } }), depsFor(fake));
    // As a preview's credentials may leave it: their execution role and a variable of their own.
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'shop-main',
        Role: `arn:aws:iam::${ACCOUNT_ID}:role/shop-lambda-deploy-preview`,
        Environment: { Variables: { A: '1', HTTPS_PROXY: 'http://proxy.example' } },
      }),
    );
    fake.clock.advance(5_000);
    const deps = depsFor(fake);

    await deployFunction(lambda, input(zipA, { environment: { A: '1' }, protectedStage: true }), deps);

    expect(fn().latest.Role).toBe(ROLE);
    // Nothing the owner may have set is lost: the variable stays, and the warning says where to look.
    expect(fn().latest.Environment?.Variables).toEqual({ A: '1', HTTPS_PROXY: 'http://proxy.example' });
    expect(deps.logger.text('warning')).toMatch(/protected stage.*another execution role.*HTTPS_PROXY/);
    expect(deps.logger.text()).not.toContain('proxy.example');

    // A later production deploy (the role is production's again) says it as info, as before.
    const later = depsFor(fake);
    await deployFunction(
      lambda,
      input(zipA, { environment: { A: '1', B: '2' }, protectedStage: true }),
      later,
    );
    expect(later.logger.text('warning')).toBe('');
    expect(later.logger.text('info')).toContain('HTTPS_PROXY');
  });

  it('config-only change: UpdateFunctionConfiguration, no code update, one publish', async () => {
    const { fake, lambda, count, fn } = await account();
    const layer = fake.seed.layerVersion('l');
    await deployFunction(lambda, input(zipA), depsFor(fake));
    fake.calls.clear();
    const result = await deployFunction(
      lambda,
      input(zipA, { memory: 1024, layers: [layer] }),
      depsFor(fake),
    );
    expect(result).toMatchObject({
      configChanged: true,
      codeChanged: false,
      version: '2',
      previousVersion: '1',
    });
    expect(count('UpdateFunctionConfiguration')).toBe(1);
    expect(count('UpdateFunctionCode')).toBe(0);
    expect(count('PublishVersion')).toBe(1);
    expect(fn().versions.get('2')?.config).toMatchObject({ MemorySize: 1024, Layers: [{ Arn: layer }] });
  });

  it('architecture change goes with the code update', async () => {
    const { fake, lambda, count, inputsOf, fn } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    fake.calls.clear();
    const result = await deployFunction(lambda, input(zipA, { architecture: 'arm64' }), depsFor(fake));
    expect(result).toMatchObject({ codeChanged: true, configChanged: false });
    expect(inputsOf('UpdateFunctionCode')[0]).toMatchObject({ Architectures: ['arm64'] });
    expect(count('UpdateFunctionConfiguration')).toBe(0);
    expect(fn().latest.Architectures).toEqual(['arm64']);
  });

  it('environment rule: variables set outside the workflow are kept and named; ours removed; values never logged', async () => {
    const { fake, lambda, fn, inputsOf } = await account();
    await deployFunction(
      lambda,
      input(zipA, { environment: { MODE: 'prod-value-1', OLD: 'old-value-2' } }),
      depsFor(fake),
    );
    // Someone adds two variables in the console.
    const latest = fn().latest;
    latest.Environment = {
      Variables: { ...latest.Environment!.Variables, API_KEY: 'console-secret-3', DEBUG: 'console-value-4' },
    };

    const before = { ...latest.Environment!.Variables };
    const deps = depsFor(fake);
    const result = await deployFunction(lambda, input(zipA, { environment: { MODE: 'prod-value-5' } }), deps);
    expect(result.environmentKept).toEqual(['API_KEY', 'DEBUG']);
    // Every value the function had before, whatever becomes of it: the pipeline hides them all.
    expect(result.environmentBefore.sort()).toEqual(
      Object.values({ ...before, API_KEY: 'console-secret-3', DEBUG: 'console-value-4' }).sort(),
    );
    expect(fn().latest.Environment?.Variables).toEqual({
      MODE: 'prod-value-5',
      API_KEY: 'console-secret-3',
      DEBUG: 'console-value-4',
    });
    expect(fn().tags[ENV_TAG]).toBe('MODE');
    const log = deps.logger.text();
    expect(log).toContain('Kept 2 environment variables set outside the workflow: API_KEY, DEBUG');
    expect(log).toContain('Removing 1 environment variable no longer in the workflow: OLD');
    for (const value of [
      'prod-value-1',
      'old-value-2',
      'console-secret-3',
      'console-value-4',
      'prod-value-5',
    ]) {
      expect(log).not.toContain(value);
    }
    expect(inputsOf('TagResource').at(-1)).toMatchObject({ Tags: { [ENV_TAG]: 'MODE' } });
  });

  it('keeps the newest versions, the live one and the previous one; pages through the list (50 a page)', async () => {
    const { fake, lambda, fn, count, inputsOf } = await account();
    for (let i = 0; i < 60; i++) {
      await deployFunction(
        lambda,
        input(i % 2 ? zipB : zipA, { memory: 128 + i, keepVersions: 100 }),
        depsFor(fake),
      );
    }
    expect(fn().versions.size).toBe(60);
    // Someone points live back at an old version (a manual rollback).
    fn().aliases.get('live')!.FunctionVersion = '7';
    fake.calls.clear();
    await deployFunction(lambda, input(zipA, { memory: 1000, keepVersions: 3 }), depsFor(fake));
    expect([...fn().versions.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(['7', '59', '60', '61']);
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('61');
    // 62 entries ($LATEST and 61 versions), 50 a page.
    expect(inputsOf('ListVersionsByFunction').map((i) => i.Marker === undefined)).toEqual([true, false]);
    expect(count('DeleteFunction')).toBe(57);
    expect(inputsOf('DeleteFunction').every((i) => typeof i.Qualifier === 'string')).toBe(true);
  });

  it('refuses a function of another lambda-deploy project', async () => {
    const { fake, lambda } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    const other = stageTags({ project: 'shop-main-x', stage: 'y', repository: 'o/r', ref: 'y' });
    await expect(deployFunction(lambda, input(zipA, { tags: other }), depsFor(fake))).rejects.toThrow(
      'Function shop-main belongs to lambda-deploy project shop (stage main, repository octo/app), not shop-main-x',
    );
  });

  it('a CodeSha256 mismatch fails the deploy and keeps live', async () => {
    const { fake, lambda, fn, count } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('1');
    // Between the upload of zip B and Lambda reading it, someone writes other bytes under its key.
    fake.seed.object('b', zipB.key, zipC.bytes);
    fake.calls.clear();
    await expect(deployFunction(lambda, input(zipB), depsFor(fake))).rejects.toThrow(
      /Lambda reports CodeSha256 \S+ for the updated code of function shop-main, but the package built here has .*was changed between the upload and Lambda reading it\. Not published; alias live stays where it was/,
    );
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('1');
    expect(count('PublishVersion')).toBe(0);
    expect(count('UpdateAlias')).toBe(0);
  });

  describe('an object swapped under its key between the upload and Lambda reading it', () => {
    // The artifact folder is shared: the preview role may write lambda-deploy/{name}/* too, so a
    // pull request's job can overwrite a production package's key in a loop and win the race.
    const dir = mkdtempSync(join(tmpdir(), 'lambda-deploy-swap-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const local = (zip: Package) => {
      const zipPath = join(dir, `${zip.codeSha256.replace(/\W/g, '')}.zip`);
      writeFileSync(zipPath, zip.bytes);
      return { ...codeOf(zip), zipPath };
    };

    it('an update: the package goes in the request instead, and $LATEST never keeps the planted code', async () => {
      const { fake, lambda, fn, inputsOf } = await account();
      await deployFunction(lambda, input(zipA), depsFor(fake));
      fake.seed.object('b', zipB.key, zipC.bytes);
      fake.calls.clear();
      const deps = depsFor(fake);
      const result = await deployFunction(lambda, input(zipB, { code: local(zipB) }), deps);
      expect(fn().latest.CodeSha256).toBe(zipB.codeSha256);
      expect(fn().aliases.get('live')?.FunctionVersion).toBe(result.version);
      expect(fn().versions.get(result.version)?.config.CodeSha256).toBe(zipB.codeSha256);
      const updates = inputsOf('UpdateFunctionCode');
      expect(updates.map((u) => (u.ZipFile ? 'request' : u.S3Key))).toEqual([zipB.key, 'request']);
      expect(deps.logger.text('warning')).toContain(
        `Lambda read other code than this package from s3://b/${zipB.key} (CodeSha256 ${zipC.codeSha256}, this package's ${zipB.codeSha256})`,
      );
    });

    it('a new function: its first code is replaced the same way before anything is published', async () => {
      const { fake, lambda, fn } = await account();
      fake.seed.object('b', zipA.key, zipC.bytes);
      const result = await deployFunction(lambda, input(zipA, { code: local(zipA) }), depsFor(fake));
      expect(fn().latest.CodeSha256).toBe(zipA.codeSha256);
      expect([...fn().versions.values()].map((v) => v.config.CodeSha256)).toEqual([zipA.codeSha256]);
      expect(fn().aliases.get('live')?.FunctionVersion).toBe(result.version);
    });
  });

  it('a CodeSha256 mismatch on the first deploy creates no alias', async () => {
    const { fake, lambda, fn } = await account();
    fake.seed.object('b', zipA.key, zipC.bytes);
    await expect(deployFunction(lambda, input(zipA), depsFor(fake))).rejects.toThrow(
      /for the new function of function shop-main/,
    );
    expect(fn().aliases.size).toBe(0);
    expect(fn().versions.size).toBe(0);
  });

  it('an untagged function is refused without adopt, and taken over with adopt: true', async () => {
    const { fake, lambda, fn } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    // Someone's own function that happens to be called shop-main.
    fn().tags = { team: 'billing' };
    fake.calls.clear();
    await expect(deployFunction(lambda, input(zipB), depsFor(fake))).rejects.toThrow(
      'Function shop-main exists but was not created by lambda-deploy (it has no lambda-deploy tags), so this deploy leaves it alone. Set adopt: true',
    );
    expect(fake.calls.counts()).toEqual({ 'lambda:GetFunction': 1, 'lambda:GetAlias': 1 });
    expect(fn().latest.CodeSha256).toBe(zipA.codeSha256);

    const deps = depsFor(fake);
    const adopted = await deployFunction(lambda, input(zipB, { adopt: true }), deps);
    expect(adopted.codeChanged).toBe(true);
    expect(fn().latest.CodeSha256).toBe(zipB.codeSha256);
    expect(fn().tags).toMatchObject({ ...tags, team: 'billing' });
    expect(deps.logger.text('warning')).toContain('adopting it (adopt: true)');
  });

  it('adopt: versions the owner published before the take-over are never pruned; ours beyond keep-versions are', async () => {
    const { fake, lambda, fn } = await account();
    // Someone's own function with six versions of theirs (their description, inherited by each).
    fake.seed.function('shop-main', { tags: { team: 'billing' }, versions: 6, alias: 'prod' });
    for (const v of fn().versions.values()) v.config.Description = 'billing api';
    const deps = depsFor(fake);
    for (let i = 0; i < 5; i++)
      await deployFunction(
        lambda,
        input(i % 2 ? zipB : zipA, { adopt: i === 0, memory: 128 + i, keepVersions: 2 }),
        deps,
      );

    const versions = [...fn().versions.keys()].map(Number).sort((a, b) => a - b);
    // Theirs (1-6) all stay; of ours (7-11) the newest two.
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 10, 11]);
    expect(fn().aliases.get('prod')?.FunctionVersion).toBe('6');
    expect(deps.logger.text('info')).toContain('Deleted old versions of shop-main: 9');
    // Nothing of theirs was even tried (version 6, which their alias holds, would warn).
    expect(deps.logger.text('warning')).not.toContain('aliases reference it');
  });

  it('from a terminal, the refusal and the take-over name the CLI switch --adopt, not adopt: true', async () => {
    const { fake, lambda, fn } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    fn().tags = { team: 'billing' };
    const refused = deployFunction(lambda, input(zipB), { ...depsFor(fake), surface: 'terminal' });
    await expect(refused).rejects.toThrow(
      "so this deploy leaves it alone. Pass --adopt to take it over (its code and configuration are replaced and it gets this stage's tags)",
    );
    await expect(refused).rejects.not.toThrow(/adopt: true/);

    const deps = { ...depsFor(fake), surface: 'terminal' as const };
    await deployFunction(lambda, input(zipB, { adopt: true }), deps);
    expect(deps.logger.text('warning')).toContain('adopting it (--adopt)');
    expect(deps.logger.text('warning')).not.toContain('adopt: true');
  });

  it("another repository's stage of the same name is never updated, not even with adopt", async () => {
    const { fake, lambda, fn } = await account();
    const theirs = stageTags({ project: 'shop', stage: 'main', repository: 'other-org/shop', ref: 'main' });
    await deployFunction(lambda, input(zipA, { tags: theirs }), depsFor(fake));
    fake.calls.clear();
    for (const adopt of [false, true])
      await expect(deployFunction(lambda, input(zipB, { adopt }), depsFor(fake))).rejects.toThrow(
        "Function shop-main is stage main of repository other-org/shop, not of octo/app (tag lambda-deploy:repository); lambda-deploy never changes another repository's stage",
      );
    expect(fake.calls.counts()).toEqual({ 'lambda:GetFunction': 2, 'lambda:GetAlias': 2 });
    expect(fn().latest.CodeSha256).toBe(zipA.codeSha256);
  });

  it('a variable set in the console after the deploy read the function (while it uploaded) is kept, not wiped', async () => {
    const { fake, lambda, fn, inputsOf } = await account();
    await deployFunction(lambda, input(zipA, { environment: { MODE: 'a' } }), depsFor(fake));
    const deps = depsFor(fake);
    // The deploy reads the function first, then uploads for a while; meanwhile someone pastes a secret.
    const known = await readStageFunction(lambda, input(zipB), deps);
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'shop-main',
        Environment: { Variables: { MODE: 'a', API_KEY: 'console-secret' } },
      }),
    );
    fake.clock.advance(1_000);

    const result = await deployFunction(lambda, input(zipB, { environment: { MODE: 'b' } }), deps, known);
    expect(fn().latest.Environment?.Variables).toEqual({ MODE: 'b', API_KEY: 'console-secret' });
    expect(result.environmentKept).toEqual(['API_KEY']);
    expect(result.environmentBefore).toContain('console-secret');
    // The write names the revision it was planned from: Lambda refuses one planned from a stale read.
    expect(inputsOf('UpdateFunctionConfiguration').at(-1)).toHaveProperty('RevisionId');
  });

  it('a value set in the console while the deploy uploaded is handed to be masked before the write whose error quotes it', async () => {
    const { fake, lambda, inputsOf } = await account();
    await deployFunction(lambda, input(zipA, { environment: { MODE: 'a' } }), depsFor(fake));
    const deps = depsFor(fake);
    const known = await readStageFunction(lambda, input(zipB), deps);
    // Fits Lambda's 4 KB alone; with this deploy's variables it does not, and Lambda's refusal quotes it.
    const secret = `sk-${'x'.repeat(4000)}`;
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'shop-main',
        Environment: { Variables: { MODE: 'a', API_KEY: secret } },
      }),
    );
    fake.clock.advance(1_000);
    const masked: { value: string; calls: number }[] = [];
    const maskValues = (values: readonly string[]) => {
      for (const value of values) masked.push({ value, calls: fake.calls.calls.length });
    };
    await expect(
      deployFunction(
        lambda,
        input(zipB, { environment: { MODE: 'b', EXTRA: 'y'.repeat(100) }, maskValues }),
        deps,
        known,
      ),
    ).rejects.toThrow(/exceeded the 4KB limit. String measured: .*sk-x/);
    const refused = fake.calls.of({ service: 'lambda', operation: 'UpdateFunctionConfiguration' }).at(-1)!;
    expect(refused.status).toBe(400);
    expect(inputsOf('UpdateFunctionConfiguration').length).toBeGreaterThan(2);
    const handed = masked.find((m) => m.value === secret);
    expect(handed).toBeDefined();
    expect(handed!.calls).toBeLessThan(refused.seq);
  });

  it("a function another run created after this one read none: its values are handed to be masked before this run's write", async () => {
    const { fake, lambda } = await account();
    const deps = depsFor(fake);
    const none = await readStageFunction(lambda, input(zipA), deps);
    expect(none.existing).toBeUndefined();
    // The other run (an older commit's workflow, its own secret) creates the function meanwhile.
    const secret = 'Other-Run-Secret-7Qx2';
    await deployFunction(
      lambda,
      input(zipA, { environment: { MODE: 'a', OTHER_KEY: secret } }),
      depsFor(fake),
    );
    fake.calls.clear();
    const masked: { value: string; calls: number }[] = [];
    const maskValues = (values: readonly string[]) => {
      for (const value of values) masked.push({ value, calls: fake.calls.calls.length });
    };
    await deployFunction(lambda, input(zipB, { environment: { MODE: 'b' }, maskValues }), deps, none);
    const write = fake.calls.of({ service: 'lambda', operation: 'UpdateFunctionConfiguration' })[0]!;
    const handed = masked.find((m) => m.value === secret);
    expect(handed).toBeDefined();
    expect(handed!.calls).toBeLessThan(write.seq);
  });

  it("a branch's first deploy that finds its derived stage made meanwhile for another branch: refused on the read after CreateFunction, nothing changed", async () => {
    const { fake, lambda, fn, count } = await account();
    const deps = depsFor(fake);
    // Branch feature-login-1ce27709's deploy reads no function; Feature/Login's, whose name derives the same stage, makes it meanwhile.
    const stage = 'feature-login-1ce27709';
    const ours = {
      ...input(zipB, { tags: stageTags({ project: 'shop', stage, repository: 'octo/app', ref: stage }) }),
      stageBranch: stage,
    };
    const none = await readStageFunction(lambda, ours, deps);
    expect(none.existing).toBeUndefined();
    const theirs = stageTags({ project: 'shop', stage, repository: 'octo/app', ref: 'Feature/Login' });
    await deployFunction(lambda, input(zipA, { tags: theirs }), depsFor(fake));
    fake.calls.clear();
    await expect(deployFunction(lambda, ours, deps, none)).rejects.toThrow(
      `Stage ${stage} was last deployed for branch 'Feature/Login', not for branch '${stage}' (function shop-main, tag lambda-deploy:ref)`,
    );
    expect(count('UpdateFunctionCode') + count('UpdateFunctionConfiguration') + count('TagResource')).toBe(0);
    expect(fn().tags['lambda-deploy:ref']).toBe('Feature/Login');
  });

  it('UpdateAlias carries the RevisionId it read: a run that lost the race does not undo the newer deploy', async () => {
    const { fake, lambda, fn, inputsOf } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    const deps = depsFor(fake);
    // This run reads the stage, then another run publishes version 2 and points live at it.
    const known = await readStageFunction(lambda, input(zipB), deps);
    const read = known.alias!.RevisionId;
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 999 }));
    fake.clock.advance(1_000);
    await lambda.send(new PublishVersionCommand({ FunctionName: 'shop-main' }));
    await lambda.send(
      new UpdateAliasCommand({ FunctionName: 'shop-main', Name: 'live', FunctionVersion: '2' }),
    );
    fake.calls.clear();

    await expect(deployFunction(lambda, input(zipB), deps, known)).rejects.toThrow(
      /Alias live of function shop-main was changed by another run while this one deployed, so this run does not point it at version 3/,
    );
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('2');
    expect(inputsOf('UpdateAlias')).toEqual([
      expect.objectContaining({ RevisionId: read, FunctionVersion: '3' }),
    ]);
    expect(fake.calls.of({ operation: 'UpdateAlias' })[0]).toMatchObject({
      status: 412,
      error: 'PreconditionFailedException',
    });
  });

  it("a CreateAlias answered with a 5xx after it took effect: the SDK's retry meets the alias this run made, and the deploy goes on", async () => {
    const { fake, fn } = await account();
    // The action's clients: the SDK retries a 5xx itself.
    const lambda = fake.clients({ maxAttempts: 3 }).lambda;
    fake.faults.failAfter('CreateAlias');
    const result = await deployFunction(lambda, input(zipA), depsFor(fake));
    expect(result.aliasArn).toBe(`${ARN}:live`);
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('1');
    expect(fake.calls.of({ operation: 'CreateAlias' }).map((c) => c.status)).toEqual([500, 409]);
  });

  it("an UpdateAlias answered with a 5xx after it took effect: the SDK's retry (with the old revision) is refused, and the alias this run set is taken as made", async () => {
    const { fake, fn } = await account();
    const lambda = fake.clients({ maxAttempts: 3 }).lambda;
    await deployFunction(lambda, input(zipA), depsFor(fake));
    fake.faults.failAfter('UpdateAlias');
    fake.calls.clear();
    const result = await deployFunction(lambda, input(zipB), depsFor(fake));
    expect(result.aliasArn).toBe(`${ARN}:live`);
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('2');
    expect(fake.calls.of({ operation: 'UpdateAlias' }).map((c) => c.status)).toEqual([500, 412]);
  });

  it('a CreateAlias conflict with an alias this run did not make is another run: refused', async () => {
    const { fake, lambda, fn } = await account();
    fake.faults.fail('CreateAlias', 'ResourceConflictException');
    await expect(deployFunction(lambda, input(zipA), depsFor(fake))).rejects.toThrow(
      /Alias live of function shop-main was changed by another run while this one deployed/,
    );
    expect(fn().aliases.has('live')).toBe(false);
  });

  it('Lambda unable to read the artifact: the error says which permission', async () => {
    const { fake, lambda } = await account();
    await expect(
      deployFunction(
        lambda,
        input(zipA, { code: { bucket: 'b', key: 'missing', codeSha256: zipA.codeSha256 } }),
        depsFor(fake),
      ),
    ).rejects.toThrow(/Could not create function shop-main: .*NoSuchKey.*s3:GetObject/);
  });
});
