import { afterEach, describe, expect, it } from '@jest/globals';
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { ENV_TAG } from '../../../src/resources/function/function-config.js';
import { deployFunction } from '../../../src/resources/function/lambda-function.js';
import { readStageFunction } from '../../../src/resources/function/stage-function-read.js';
import { stageTags } from '../../../src/model/tags.js';
import { ACCOUNT_ID, LAMBDA_TRUST, OTHER_ACCOUNT_ID } from '../../../fakes/aws/index.js';
import { depsFor } from '../../fake-aws/helpers.js';
import { yourCredentialsNeed } from '../../../src/aws/aws-call.js';
import { account, ARN, aws, input, ROLE, tags, zipA, zipB } from './function-fixtures.js';

afterEach(() => aws?.close());

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
      Object.entries({ ...before, API_KEY: 'console-secret-3', DEBUG: 'console-value-4' }).sort(),
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
    expect(result.environmentBefore).toContainEqual(['API_KEY', 'console-secret']);
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
    const maskValues = (variables: readonly (readonly [string, string])[]) => {
      for (const [, value] of variables) masked.push({ value, calls: fake.calls.calls.length });
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
    const maskValues = (variables: readonly (readonly [string, string])[]) => {
      for (const [, value] of variables) masked.push({ value, calls: fake.calls.calls.length });
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
});
