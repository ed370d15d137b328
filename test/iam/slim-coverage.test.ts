/**
 * A slim deploy against the stateful fake AWS, every call recorded: the
 * archive's upload (and its reuse), the function with the archive's
 * variables and its ephemeral storage, an unchanged redeploy, then slim
 * turned off. Every call is allowed by the deploy role of the stage's kind;
 * the preview role is refused what a production stage does to its archive.
 */
import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ensureArtifactBucket, publishArtifact } from '../../src/resources/artifacts/artifact-bucket.js';
import { ensureExecutionRole } from '../../src/resources/execution-role/execution-role.js';
import { deployFunction } from '../../src/resources/function/lambda-function.js';
import { publishSlimArchive } from '../../src/resources/artifacts/slim-artifact.js';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import {
  slimEphemeralStorage,
  slimFunctionEnvironment,
  slimTarget,
} from '../../src/pipelines/slim-deploy.js';
import { stageTags } from '../../src/model/tags.js';
import { depsFor } from '../../fakes/aws/deps.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { writeZipFixture } from '../../fakes/aws/zip.js';
import { tempDir } from '../support/aws-deploy-sequence.js';
import { checkCalls, formatViolations, operations, recordCalls } from '../support/policy-recorder.js';

const nameIn = (arn: string, pattern: RegExp) => pattern.exec(arn)?.[1] ?? '';

async function scenario(stage: string) {
  const production = stage === 'main';
  const fake: FakeAws = await startFakeAws();
  fake.seed.setup('shop'); // the boundary and the preview execution role, as setup makes them
  const deps = () => depsFor(fake);
  const clients = fake.clients();
  await ensureArtifactBucket(clients.s3, { region: fake.region, accountId: fake.accountId }, deps());
  const calls = recordCalls({ lambda: clients.lambda, s3: clients.s3, iam: clients.iam }, [], {
    scope: { region: fake.region, accountId: fake.accountId },
    tagsOf: (arn) =>
      fake.account.functions.get(nameIn(arn, /:function:([^:]+)$/))?.tags ??
      fake.account.roles.get(nameIn(arn, /:role\/(.+)$/))?.Tags,
    boundaryOf: (arn) => fake.account.roles.get(nameIn(arn, /:role\/(.+)$/))?.PermissionsBoundary,
  });
  const dir = tempDir('slim-coverage-');
  const archivePath = join(dir, 'deps.tar.gz');
  writeFileSync(archivePath, Buffer.alloc(3000, 7));
  const slim = {
    archivePath,
    sha256Hex: createHash('sha256').update(Buffer.alloc(3000, 7)).digest('hex'),
    ephemeralStorageMb: 896,
  };
  const target = slimTarget(slim, {
    project: 'shop',
    accountId: fake.accountId,
    region: fake.region,
    protectedStage: production,
  });
  const tags = stageTags({ project: 'shop', stage, repository: 'octo/shop', ref: stage });
  const role = await ensureExecutionRole(
    clients.iam,
    {
      project: 'shop',
      accountId: fake.accountId,
      tags,
      kind: production ? 'production' : 'preview',
      permissionsBoundary: `arn:aws:iam::${fake.accountId}:policy/shop-lambda-deploy-boundary`,
      bucket: target.bucket,
    },
    deps(),
  );
  const zip = writeZipFixture(dir, 'a.zip', 4096, 1);
  const artifact = await publishArtifact(
    clients.s3,
    {
      region: fake.region,
      accountId: fake.accountId,
      name: 'shop',
      zipPath: zip.path,
      sha256Hex: zip.sha256Hex,
      codeSha256: zip.codeSha256,
    },
    deps(),
  );
  const code = { bucket: artifact.bucket, key: artifact.key, codeSha256: zip.codeSha256 };
  const uploads = [];
  const configs = [];
  for (const on of [true, true, false]) {
    // 20 hours later: the reused archive is copied onto itself (CopyObject, replayed below too).
    if (on && uploads.length) await fake.clock.sleep(20 * 3_600_000);
    if (on)
      uploads.push(
        await publishSlimArchive(
          clients.s3,
          { region: fake.region, accountId: fake.accountId, project: 'shop', kind: target.kind, slim },
          deps(),
        ),
      );
    const before = fake.account.functions.get(`shop-${stage}`);
    const storage = slimEphemeralStorage(
      on ? slim : undefined,
      before && {
        variables: before.latest.Environment?.Variables,
        sizeMb: before.latest.EphemeralStorage.Size,
        tags: before.tags,
      },
    );
    const result = await deployFunction(
      clients.lambda,
      {
        functionName: `shop-${stage}`,
        runtime: 'python3.12',
        handler: '_lambda_deploy_slim.handler',
        memory: 256,
        timeout: 30,
        architecture: 'x86_64',
        environment: slimFunctionEnvironment({ MODE: 'x' }, on ? target : undefined, fake.accountId),
        ephemeralStorageMb: storage.ephemeralStorageMb,
        layers: [],
        roleArn: role.roleArn,
        description: 'shop',
        tags: { ...tags, ...storage.tags },
        code,
        keepVersions: 5,
        roleJustCreated: role.created,
      },
      deps(),
    );
    configs.push({ result, config: structuredClone(fake.account.functions.get(`shop-${stage}`)!.latest) });
  }
  await fake.close();
  return { fake, calls, target, uploads, configs };
}

describe('a slim deploy, call by call', () => {
  it.each(['pr-7', 'main'])(
    '%s: uploads once, sets the variables and the storage, resets both when slim is off',
    async (stage) => {
      const { fake, calls, target, uploads, configs } = await scenario(stage);
      expect(target.key).toMatch(
        new RegExp(
          `^lambda-deploy-slim/shop/${stage === 'main' ? 'production' : 'preview'}/[0-9a-f]{64}\\.tar\\.gz$`,
        ),
      );
      expect(uploads.map((u) => u.uploaded)).toEqual([true, false]); // reused by S3's checksum
      expect(uploads.map((u) => u.refreshed)).toEqual([false, true]);
      const [first, again, off] = configs;
      expect(first!.config.EphemeralStorage).toEqual({ Size: 896 });
      expect(first!.config.Environment?.Variables).toEqual({
        MODE: 'x',
        LAMBDA_DEPLOY_SLIM_BUCKET: target.bucket,
        LAMBDA_DEPLOY_SLIM_KEY: target.key,
        LAMBDA_DEPLOY_SLIM_OWNER: fake.accountId,
      });
      expect(again!.result).toMatchObject({ codeChanged: false, configChanged: false });
      expect(off!.config.EphemeralStorage).toEqual({ Size: 512 });
      expect(off!.config.Environment?.Variables).toEqual({ MODE: 'x' });
      expect([...operations(calls)]).toEqual(
        expect.arrayContaining(['s3 PutObject', 's3 CopyObject', 'lambda CreateFunction']),
      );

      const scope = { region: fake.region, accountId: fake.accountId };
      const policy = (role: 'production' | 'preview') =>
        deployRolePolicy({
          project: 'shop',
          region: fake.region,
          accountId: fake.accountId,
          gateway: 'none',
          managesExecutionRole: true,
          repository: 'octo/shop',
          role,
        });
      expect(formatViolations(checkCalls(policy('production'), calls, scope))).toBe('');
      const asPreview = checkCalls(policy('preview'), calls, scope);
      if (stage === 'main') {
        // The preview role can neither upload nor read the archive production's functions fetch.
        const refused = asPreview
          .filter(
            (v) => v.call.service === 's3' && String(v.call.input.Key).startsWith('lambda-deploy-slim/'),
          )
          .map((v) => v.call.command);
        expect(refused).toEqual(
          expect.arrayContaining(['HeadObjectCommand', 'PutObjectCommand', 'CopyObjectCommand']),
        );
      } else {
        // The first deploy's reads of a function not made yet: IAM refuses them to the preview role (no
        // lambda-deploy:name tag), and the deploy goes on to CreateFunction (test/resources/function).
        const unmade = asPreview.filter(
          (v) => !Object.values(v.call.resourceTags ?? {}).some((t) => t['lambda-deploy:name']),
        );
        expect(unmade.map((v) => v.call.command)).toEqual(['GetFunctionCommand', 'GetAliasCommand']);
        expect(formatViolations(asPreview.filter((v) => !unmade.includes(v)))).toBe('');
      }
    },
  );
});
