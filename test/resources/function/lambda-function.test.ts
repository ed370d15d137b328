import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  LambdaClient,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  TagResourceCommand,
  TooManyRequestsException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ENV_TAG } from '../../../src/resources/function/function-config.js';
import {
  deployFunction,
  pointAlias,
  waitForFunctionUpdated,
  type FunctionInput,
} from '../../../src/resources/function/lambda-function.js';
import { stageTags } from '../../../src/model/tags.js';
import { FakeAws } from '../../support/fake-aws.js';
import { tempDir, testDeps, writeZipFixture, type ZipFixture } from '../../support/aws-deploy-sequence.js';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:shop-main';
const ROLE = 'arn:aws:iam::123456789012:role/shop-lambda-deploy';
const tags = stageTags({ project: 'shop', stage: 'main', repository: 'octo/app', ref: 'main' });
const meta = { $metadata: { httpStatusCode: 400 } };

function input(code: ZipFixture | { codeSha256: string }, over: Partial<FunctionInput> = {}): FunctionInput {
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
    code: { bucket: 'b', key: 'lambda-deploy/shop/x.zip', codeSha256: code.codeSha256 },
    keepVersions: 5,
    ...over,
  };
}

describe('deployFunction with scripted Lambda answers', () => {
  const lambda = new LambdaClient({ region: 'eu-west-1' });
  const mock = mockClient(lambda);
  beforeEach(() => {
    mock.reset();
  });

  const latest: FunctionConfiguration = {
    FunctionName: 'shop-main',
    FunctionArn: ARN,
    Runtime: 'python3.12',
    Handler: 'app.handler',
    MemorySize: 256,
    Timeout: 30,
    Architectures: ['x86_64'],
    Role: ROLE,
    Description: 'shop main',
    CodeSha256: 'sha-1=',
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
  };

  it('create path: retries the role propagation error, waits Pending -> Active, publishes and creates live', async () => {
    const roleError = () =>
      new InvalidParameterValueException({
        message: 'The role defined for the function cannot be assumed by Lambda.',
        ...meta,
      });
    mock
      .on(GetFunctionCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    mock
      .on(GetAliasCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    mock
      .on(CreateFunctionCommand)
      .rejectsOnce(roleError())
      .rejectsOnce(roleError())
      .resolves({ ...latest, State: 'Pending', LastUpdateStatus: 'InProgress' });
    mock
      .on(GetFunctionConfigurationCommand)
      .resolvesOnce({ ...latest, State: 'Pending' })
      .resolvesOnce({ ...latest, State: 'Pending' })
      .resolves(latest);
    mock.on(PublishVersionCommand).resolves({ ...latest, Version: '1', State: 'Active' });
    mock.on(CreateAliasCommand).resolves({ AliasArn: `${ARN}:live`, FunctionVersion: '1' });
    mock.on(ListVersionsByFunctionCommand).resolves({ Versions: [{ Version: '$LATEST' }, { Version: '1' }] });

    const deps = testDeps();
    const result = await deployFunction(
      lambda,
      input({ codeSha256: 'sha-1=' }, { roleJustCreated: true }),
      deps,
    );

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
      previousTags: {},
    });
    expect(mock).toHaveReceivedCommandTimes(CreateFunctionCommand, 3);
    expect(mock).toHaveReceivedCommandWith(CreateFunctionCommand, {
      FunctionName: 'shop-main',
      Code: { S3Bucket: 'b', S3Key: 'lambda-deploy/shop/x.zip' },
      Architectures: ['x86_64'],
      Publish: false,
      Tags: { ...tags, [ENV_TAG]: '' },
    });
    expect(mock).toHaveReceivedCommandTimes(GetFunctionConfigurationCommand, 3);
    expect(mock).toHaveReceivedCommandWith(PublishVersionCommand, {
      FunctionName: 'shop-main',
      CodeSha256: 'sha-1=',
    });
    expect(mock).toHaveReceivedCommandWith(CreateAliasCommand, { Name: 'live', FunctionVersion: '1' });
    // Backoff for the role (2 s, 4 s), then the poll: 1 s before the first look, 1 s, 2 s.
    expect(deps.sleep.calls).toEqual([2000, 4000, 1000, 1000, 2000]);
  });

  it('a role that never becomes usable fails after about a minute with a trust hint', async () => {
    mock.on(GetFunctionCommand).rejects(new ResourceNotFoundException({ message: 'nf', $metadata: {} }));
    mock.on(GetAliasCommand).rejects(new ResourceNotFoundException({ message: 'nf', $metadata: {} }));
    mock.on(CreateFunctionCommand).rejects(
      new InvalidParameterValueException({
        message: 'The role defined for the function cannot be assumed by Lambda.',
        ...meta,
      }),
    );
    const deps = testDeps();
    await expect(
      deployFunction(lambda, input({ codeSha256: 's' }, { roleJustCreated: true }), deps),
    ).rejects.toThrow(/cannot be assumed by Lambda.*must trust lambda.amazonaws.com/);
    const waited = deps.sleep.calls.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThan(40_000);
    expect(waited).toBeLessThanOrEqual(60_000);
  });

  it('create that ends in State Failed fails with Lambda’s reason', async () => {
    mock.on(GetFunctionCommand).rejects(new ResourceNotFoundException({ message: 'nf', $metadata: {} }));
    mock.on(GetAliasCommand).rejects(new ResourceNotFoundException({ message: 'nf', $metadata: {} }));
    mock.on(CreateFunctionCommand).resolves({ ...latest, State: 'Pending' });
    mock
      .on(GetFunctionConfigurationCommand)
      .resolvesOnce({ ...latest, State: 'Pending' })
      .resolves({
        ...latest,
        State: 'Failed',
        StateReason: 'Lambda was unable to configure your environment variables because they exceed 4 KB.',
        StateReasonCode: 'InvalidConfiguration',
      });
    await expect(deployFunction(lambda, input({ codeSha256: 's' }), testDeps())).rejects.toThrow(
      'Function shop-main is in state Failed: Lambda was unable to configure your environment variables because they exceed 4 KB.',
    );
    expect(mock).toHaveReceivedCommandTimes(PublishVersionCommand, 0);
  });

  it('update path: waits out InProgress and a ResourceConflictException, then publishes', async () => {
    mock.on(GetFunctionCommand).resolves({
      Configuration: { ...latest, LastUpdateStatus: 'InProgress' },
      Tags: { ...tags, [ENV_TAG]: '' },
    });
    mock.on(GetAliasCommand).resolves({
      AliasArn: `${ARN}:live`,
      FunctionVersion: '4',
      Description: 'lambda-deploy fp=0000000000000000',
    });
    mock
      .on(GetFunctionConfigurationCommand)
      .resolvesOnce({ ...latest, LastUpdateStatus: 'InProgress' }) // the update found running
      .resolvesOnce(latest)
      .resolvesOnce({ ...latest, LastUpdateStatus: 'InProgress' }) // waited for after the conflict
      .resolvesOnce(latest)
      .resolvesOnce({ ...latest, CodeSha256: 'sha-2=', LastUpdateStatus: 'InProgress' }) // after our update
      .resolves({ ...latest, CodeSha256: 'sha-2=' });
    mock
      .on(UpdateFunctionCodeCommand)
      .rejectsOnce(
        new ResourceConflictException({
          message:
            'The operation cannot be performed at this time. An update is in progress for resource: ' + ARN,
          $metadata: { httpStatusCode: 409 },
        }),
      )
      .resolves({ ...latest, CodeSha256: 'sha-2=', LastUpdateStatus: 'InProgress' });
    mock
      .on(PublishVersionCommand)
      .resolves({ ...latest, CodeSha256: 'sha-2=', Version: '5', State: 'Active' });
    mock.on(UpdateAliasCommand).resolves({ AliasArn: `${ARN}:live`, FunctionVersion: '5' });
    mock.on(ListVersionsByFunctionCommand).resolves({ Versions: [{ Version: '4' }, { Version: '5' }] });

    const deps = testDeps();
    const result = await deployFunction(lambda, input({ codeSha256: 'sha-2=' }), deps);
    expect(result).toMatchObject({
      version: '5',
      previousVersion: '4',
      codeChanged: true,
      configChanged: false,
      changed: true,
    });
    expect(mock).toHaveReceivedCommandTimes(UpdateFunctionCodeCommand, 2);
    expect(mock).toHaveReceivedCommandTimes(UpdateFunctionConfigurationCommand, 0);
    expect(mock).toHaveReceivedCommandTimes(GetFunctionConfigurationCommand, 6);
    expect(mock).toHaveReceivedCommandWith(UpdateFunctionCodeCommand, {
      Architectures: ['x86_64'],
      S3Bucket: 'b',
      Publish: false,
    });
    expect(mock).toHaveReceivedCommandWith(PublishVersionCommand, { CodeSha256: 'sha-2=' });
    expect(mock).toHaveReceivedCommandWith(UpdateAliasCommand, { Name: 'live', FunctionVersion: '5' });
    expect(deps.logger.text()).toContain('busy with another update');
  });

  it('an update that ends Failed fails with LastUpdateStatusReason', async () => {
    mock.on(GetFunctionCommand).resolves({ Configuration: latest, Tags: tags });
    mock.on(GetAliasCommand).resolves({ FunctionVersion: '1' });
    mock.on(UpdateFunctionConfigurationCommand).resolves({ ...latest, LastUpdateStatus: 'InProgress' });
    mock.on(GetFunctionConfigurationCommand).resolves({
      ...latest,
      LastUpdateStatus: 'Failed',
      LastUpdateStatusReason: 'The layer arn:aws:lambda:eu-west-1:1:layer:x:1 does not exist.',
      LastUpdateStatusReasonCode: 'InvalidConfiguration',
    });
    await expect(
      deployFunction(lambda, input({ codeSha256: 'sha-1=' }, { memory: 512 }), testDeps()),
    ).rejects.toThrow(
      'The last update of function shop-main failed: The layer arn:aws:lambda:eu-west-1:1:layer:x:1 does not exist.',
    );
    expect(mock).toHaveReceivedCommandTimes(PublishVersionCommand, 0);
  });

  it('throttling is retried with backoff', async () => {
    const throttled = () =>
      new TooManyRequestsException({
        message: 'Rate exceeded',
        Reason: 'CallerRateLimitExceeded',
        $metadata: { httpStatusCode: 429 },
      });
    mock
      .on(GetFunctionCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ Configuration: latest, Tags: { ...tags, [ENV_TAG]: '' } });
    mock.on(GetAliasCommand).rejectsOnce(throttled()).resolves({ FunctionVersion: '3', Description: 'x' });
    mock
      .on(PublishVersionCommand)
      .rejectsOnce(throttled())
      .resolves({ ...latest, Version: '3', State: 'Active' });
    mock.on(UpdateAliasCommand).resolves({ AliasArn: `${ARN}:live` });
    mock.on(ListVersionsByFunctionCommand).resolves({ Versions: [] });
    const deps = testDeps();
    const result = await deployFunction(lambda, input({ codeSha256: 'sha-1=' }), deps);
    expect(result.version).toBe('3');
    expect(mock).toHaveReceivedCommandTimes(GetFunctionCommand, 3);
    expect(mock).toHaveReceivedCommandTimes(PublishVersionCommand, 2);
    expect(deps.sleep.calls.length).toBe(4);
  });

  it('throttling while waiting is polled through', async () => {
    mock
      .on(GetFunctionConfigurationCommand)
      .rejectsOnce(
        new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }),
      )
      .resolvesOnce({ ...latest, LastUpdateStatus: 'InProgress' })
      .resolves(latest);
    const deps = testDeps();
    await expect(waitForFunctionUpdated(lambda, 'shop-main', deps)).resolves.toMatchObject({
      LastUpdateStatus: 'Successful',
    });
    expect(deps.sleep.calls).toEqual([1000, 2000]);
  });

  it('environment variables it cannot decrypt stop the deploy instead of being wiped', async () => {
    mock.on(GetFunctionCommand).resolves({
      Configuration: {
        ...latest,
        Environment: { Error: { ErrorCode: 'AccessDeniedException', Message: 'KMS access denied' } },
      },
      Tags: tags,
    });
    mock.on(GetAliasCommand).resolves({ FunctionVersion: '1' });
    await expect(deployFunction(lambda, input({ codeSha256: 'sha-1=' }), testDeps())).rejects.toThrow(
      /kms:Decrypt/,
    );
    expect(mock).toHaveReceivedCommandTimes(UpdateFunctionConfigurationCommand, 0);
  });

  it('AccessDenied names the missing permission', async () => {
    mock.on(GetFunctionCommand).resolves({ Configuration: latest, Tags: tags });
    mock.on(GetAliasCommand).resolves({ FunctionVersion: '1' });
    mock.on(UpdateFunctionConfigurationCommand).rejects(
      Object.assign(
        new Error(
          'User: arn:aws:sts::1:assumed-role/deploy/x is not authorized to perform: lambda:UpdateFunctionConfiguration',
        ),
        {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 403 },
        },
      ),
    );
    await expect(
      deployFunction(lambda, input({ codeSha256: 'sha-1=' }, { timeout: 60 }), testDeps()),
    ).rejects.toThrow(
      /^Could not update function shop-main configuration: AccessDeniedException: .*needs the lambda:UpdateFunctionConfiguration permission/,
    );
  });

  it('AccessDenied while waiting fails at once instead of waiting for five minutes', async () => {
    mock.on(GetFunctionConfigurationCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const deps = testDeps();
    await expect(waitForFunctionUpdated(lambda, 'shop-main', deps)).rejects.toThrow(
      /lambda:GetFunctionConfiguration permission/,
    );
    expect(mock).toHaveReceivedCommandTimes(GetFunctionConfigurationCommand, 1);
    expect(deps.sleep.calls).toEqual([]);
  });

  it('waiting gives up after about five minutes, polling every 1 s doubling to 5 s', async () => {
    mock.on(GetFunctionConfigurationCommand).resolves({ ...latest, LastUpdateStatus: 'InProgress' });
    const deps = testDeps();
    await expect(waitForFunctionUpdated(lambda, 'shop-main', deps)).rejects.toThrow(
      'Timed out after 300 s waiting for function shop-main to be ready (last seen: LastUpdateStatus InProgress)',
    );
    expect(deps.sleep.calls.slice(0, 5)).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(deps.sleep.calls.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(300_000);
  });

  it('pointAlias moves live and leaves no fingerprint, so the next deploy re-checks', async () => {
    mock.on(GetFunctionConfigurationCommand).resolves({ ...latest, Version: '3' });
    mock.on(UpdateAliasCommand).resolves({ AliasArn: `${ARN}:live`, FunctionVersion: '3' });
    expect(await pointAlias(lambda, 'shop-main', '3', testDeps())).toBe(`${ARN}:live`);
    expect(mock).toHaveReceivedCommandWith(UpdateAliasCommand, {
      FunctionName: 'shop-main',
      Name: 'live',
      FunctionVersion: '3',
      Description: 'lambda-deploy pointed',
    });
  });
});

describe('deployFunction against the stateful fake', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const zipA = writeZipFixture(dir, 'a.zip', 4096, 11);
  const zipB = writeZipFixture(dir, 'b.zip', 4096, 12);

  function account(): FakeAws {
    const fake = new FakeAws();
    const bucket = fake.addBucket('b');
    for (const zip of [zipA, zipB]) {
      bucket.objects.set(`k-${zip.codeSha256}`, {
        body: readFileSync(zip.path),
        metadata: {},
        lastModified: new Date(),
      });
    }
    return fake;
  }
  const codeOf = (zip: ZipFixture) => ({
    bucket: 'b',
    key: `k-${zip.codeSha256}`,
    codeSha256: zip.codeSha256,
  });

  it('unchanged redeploy: GetFunction + GetAlias only; no update, no publish, alias untouched', async () => {
    const fake = account();
    await deployFunction(
      fake.lambda,
      input(zipA, { code: codeOf(zipA), environment: { A: '1' } }),
      testDeps(),
    );
    fake.resetCalls();
    const result = await deployFunction(
      fake.lambda,
      input(zipA, { code: codeOf(zipA), environment: { A: '1' } }),
      testDeps(),
    );
    expect(result).toMatchObject({
      changed: false,
      codeChanged: false,
      configChanged: false,
      version: '1',
      previousVersion: '1',
    });
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(UpdateFunctionConfigurationCommand, 0);
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(UpdateFunctionCodeCommand, 0);
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(PublishVersionCommand, 0);
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(UpdateAliasCommand, 0);
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(CreateAliasCommand, 0);
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(TagResourceCommand, 0);
    expect(fake.counts()).toEqual({ GetFunction: 1, GetAlias: 1 });
  });

  it('config-only change: UpdateFunctionConfiguration, no code update, one publish', async () => {
    const fake = account();
    await deployFunction(fake.lambda, input(zipA, { code: codeOf(zipA) }), testDeps());
    fake.resetCalls();
    const result = await deployFunction(
      fake.lambda,
      input(zipA, {
        code: codeOf(zipA),
        memory: 1024,
        layers: ['arn:aws:lambda:eu-west-1:123456789012:layer:l:1'],
      }),
      testDeps(),
    );
    expect(result).toMatchObject({
      configChanged: true,
      codeChanged: false,
      version: '2',
      previousVersion: '1',
    });
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(UpdateFunctionConfigurationCommand, 1);
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(UpdateFunctionCodeCommand, 0);
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(PublishVersionCommand, 1);
    expect(fake.fn('shop-main').versions.get('2')?.MemorySize).toBe(1024);
  });

  it('architecture change goes with the code update', async () => {
    const fake = account();
    await deployFunction(fake.lambda, input(zipA, { code: codeOf(zipA) }), testDeps());
    fake.resetCalls();
    const result = await deployFunction(
      fake.lambda,
      input(zipA, { code: codeOf(zipA), architecture: 'arm64' }),
      testDeps(),
    );
    expect(result).toMatchObject({ codeChanged: true, configChanged: false });
    expect(fake.lambdaMock).toHaveReceivedCommandWith(UpdateFunctionCodeCommand, {
      Architectures: ['arm64'],
    });
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(UpdateFunctionConfigurationCommand, 0);
  });

  it('environment rule: variables set outside the workflow are kept and named; ours removed; values never logged', async () => {
    const fake = account();
    await deployFunction(
      fake.lambda,
      input(zipA, { code: codeOf(zipA), environment: { MODE: 'prod-value-1', OLD: 'old-value-2' } }),
      testDeps(),
    );
    // Someone adds two variables in the console.
    const f = fake.fn('shop-main');
    f.config.Environment = {
      Variables: {
        ...f.config.Environment!.Variables,
        API_KEY: 'console-secret-3',
        DEBUG: 'console-value-4',
      },
    };

    const deps = testDeps();
    const result = await deployFunction(
      fake.lambda,
      input(zipA, { code: codeOf(zipA), environment: { MODE: 'prod-value-5' } }),
      deps,
    );
    expect(result.environmentKept).toEqual(['API_KEY', 'DEBUG']);
    expect(f.config.Environment?.Variables).toEqual({
      MODE: 'prod-value-5',
      API_KEY: 'console-secret-3',
      DEBUG: 'console-value-4',
    });
    expect(f.tags[ENV_TAG]).toBe('MODE');
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
    expect(fake.lambdaMock).toHaveReceivedCommandWith(TagResourceCommand, { Tags: { [ENV_TAG]: 'MODE' } });
  });

  it('keeps the newest versions, the live one and the previous one; pages through the list', async () => {
    const fake = account();
    for (let i = 0; i < 60; i++) {
      await deployFunction(
        fake.lambda,
        input(zipA, { code: codeOf(i % 2 ? zipB : zipA), memory: 128 + i, keepVersions: 100 }),
        testDeps(),
      );
    }
    const f = fake.fn('shop-main');
    expect(f.versions.size).toBe(60);
    // Someone points live back at an old version (a manual rollback).
    f.aliases.get('live')!.FunctionVersion = '7';
    fake.resetCalls();
    await deployFunction(
      fake.lambda,
      input(zipA, { code: codeOf(zipA), memory: 1000, keepVersions: 3 }),
      testDeps(),
    );
    expect([...f.versions.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(['7', '59', '60', '61']);
    expect(f.aliases.get('live')?.FunctionVersion).toBe('61');
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(ListVersionsByFunctionCommand, 2); // 62 entries, 50 a page
    expect(fake.lambdaMock).toHaveReceivedCommandTimes(DeleteFunctionCommand, 57);
    expect(fake.lambdaMock).not.toHaveReceivedCommandWith(DeleteFunctionCommand, { Qualifier: undefined });
  });

  it('refuses a function of another lambda-deploy project', async () => {
    const fake = account();
    await deployFunction(fake.lambda, input(zipA, { code: codeOf(zipA) }), testDeps());
    const other = stageTags({ project: 'shop-main-x', stage: 'y', repository: 'o/r', ref: 'y' });
    await expect(
      deployFunction(fake.lambda, input(zipA, { code: codeOf(zipA), tags: other }), testDeps()),
    ).rejects.toThrow('Function shop-main belongs to lambda-deploy project shop, not shop-main-x');
  });

  it('a CodeSha256 mismatch fails the deploy and keeps live', async () => {
    const fake = account();
    await deployFunction(fake.lambda, input(zipA, { code: codeOf(zipA) }), testDeps());
    expect(fake.fn('shop-main').aliases.get('live')?.FunctionVersion).toBe('1');
    // Between the upload of zip B and Lambda reading it, someone writes other bytes under its key.
    const bucket = fake.buckets.get('b')!;
    bucket.objects.get(`k-${zipB.codeSha256}`)!.body = readFileSync(zipA.path).subarray(0, 100);
    fake.resetCalls();
    await expect(
      deployFunction(fake.lambda, input(zipB, { code: codeOf(zipB) }), testDeps()),
    ).rejects.toThrow(
      /Lambda reports CodeSha256 \S+ for the updated code of function shop-main, but the package built here has .*was changed between the upload and Lambda reading it\. Not published; alias live stays where it was/,
    );
    expect(fake.fn('shop-main').aliases.get('live')?.FunctionVersion).toBe('1');
    expect(fake.counts().PublishVersion ?? 0).toBe(0);
    expect(fake.counts().UpdateAlias ?? 0).toBe(0);
  });

  it('a CodeSha256 mismatch on the first deploy creates no alias', async () => {
    const fake = account();
    fake.buckets.get('b')!.objects.get(`k-${zipA.codeSha256}`)!.body = Buffer.from('planted');
    await expect(
      deployFunction(fake.lambda, input(zipA, { code: codeOf(zipA) }), testDeps()),
    ).rejects.toThrow(/for the new function of function shop-main/);
    expect(fake.fn('shop-main').aliases.size).toBe(0);
    expect(fake.fn('shop-main').versions.size).toBe(0);
  });

  it('an untagged function is refused without adopt, and taken over with adopt: true', async () => {
    const fake = account();
    await deployFunction(fake.lambda, input(zipA, { code: codeOf(zipA) }), testDeps());
    // Someone's own function that happens to be called shop-main.
    const f = fake.fn('shop-main');
    f.tags = { team: 'billing' };
    fake.resetCalls();
    await expect(
      deployFunction(fake.lambda, input(zipB, { code: codeOf(zipB) }), testDeps()),
    ).rejects.toThrow(
      'Function shop-main exists but was not created by lambda-deploy (it has no lambda-deploy tags), so this deploy leaves it alone. Set adopt: true',
    );
    expect(fake.counts()).toEqual({ GetFunction: 1, GetAlias: 1 });
    expect(f.config.CodeSha256).toBe(zipA.codeSha256);

    const deps = testDeps();
    const adopted = await deployFunction(
      fake.lambda,
      input(zipB, { code: codeOf(zipB), adopt: true } as Partial<FunctionInput>),
      deps,
    );
    expect(adopted.codeChanged).toBe(true);
    expect(f.config.CodeSha256).toBe(zipB.codeSha256);
    expect(f.tags).toMatchObject({ ...tags, team: 'billing' });
    expect(deps.logger.text('warning')).toContain('adopting it (adopt: true)');
  });

  it("another repository's stage of the same name is never updated, not even with adopt", async () => {
    const fake = account();
    const theirs = stageTags({ project: 'shop', stage: 'main', repository: 'other-org/shop', ref: 'main' });
    await deployFunction(fake.lambda, input(zipA, { code: codeOf(zipA), tags: theirs }), testDeps());
    fake.resetCalls();
    for (const adopt of [false, true])
      await expect(
        deployFunction(
          fake.lambda,
          input(zipB, { code: codeOf(zipB), adopt } as Partial<FunctionInput>),
          testDeps(),
        ),
      ).rejects.toThrow(
        "Function shop-main is stage main of repository other-org/shop, not of octo/app (tag lambda-deploy:repository); lambda-deploy never changes another repository's stage",
      );
    expect(fake.counts()).toEqual({ GetFunction: 2, GetAlias: 2 });
    expect(fake.fn('shop-main').config.CodeSha256).toBe(zipA.codeSha256);
  });

  it('UpdateAlias carries the RevisionId it read: a run that lost the race does not undo the newer deploy', async () => {
    const fake = account();
    await deployFunction(fake.lambda, input(zipA, { code: codeOf(zipA) }), testDeps());
    const f = fake.fn('shop-main');
    // While this run deploys zip B, another run publishes version 7 and points live at it.
    let moved = false;
    fake.failOnce('UpdateAlias', () => {
      if (!moved) {
        moved = true;
        f.versions.set('7', { ...f.versions.get('1')!, Version: '7' });
        const live = f.aliases.get('live')!;
        live.FunctionVersion = '7';
        live.RevisionId = 'other-run';
      }
      return undefined;
    });
    await expect(
      deployFunction(fake.lambda, input(zipB, { code: codeOf(zipB) }), testDeps()),
    ).rejects.toThrow(
      /Alias live of function shop-main was changed by another run while this one deployed, so this run does not point it at version 2/,
    );
    expect(f.aliases.get('live')?.FunctionVersion).toBe('7');
    expect(fake.callsOf('UpdateAlias')).toEqual([
      expect.objectContaining({ RevisionId: 'a1', FunctionVersion: '2' }),
    ]);
  });

  it('Lambda unable to read the artifact: the error says which permission', async () => {
    const fake = account();
    await expect(
      deployFunction(
        fake.lambda,
        input(zipA, { code: { bucket: 'b', key: 'missing', codeSha256: zipA.codeSha256 } }),
        testDeps(),
      ),
    ).rejects.toThrow(/Could not create function shop-main: .*NoSuchKey.*s3:GetObject/);
  });
});
