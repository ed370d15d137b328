import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  DeleteLayerVersionCommand,
  GetLayerVersionCommand,
  LambdaClient,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  type LayerVersionsListItem,
  type PublishLayerVersionCommandInput,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  dependenciesLayerName,
  ensureDependenciesLayer,
  pruneLayerVersions,
  type DependenciesLayerInput,
} from '../../../src/resources/layers/dependencies-layer.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { recordingSleep } from '../../../src/util/sleep.js';

const lambda = new LambdaClient({ region: 'eu-west-1' });
const mock = mockClient(lambda);
const LAYER_ARN = 'arn:aws:lambda:eu-west-1:123456789012:layer:shop-deps';
let deps: { logger: RecordingLogger; sleep: ReturnType<typeof recordingSleep>; random: () => number };
let versions: LayerVersionsListItem[];
/** Lambda's CodeSha256 of each version's content (ListLayerVersions does not return it; GetLayerVersion does). */
let contents: Map<number, string>;
/** What S3 holds under a key, for versions published from S3. */
let s3Objects: Map<string, string>;

/** A layer store like Lambda's: versions numbered from 1, listed newest first, two per page. */
function wireLayerStore(): void {
  versions = [];
  contents = new Map();
  s3Objects = new Map();
  mock.on(ListLayerVersionsCommand).callsFake((input: { Marker?: string }) => {
    const sorted = [...versions].sort((a, b) => (b.Version ?? 0) - (a.Version ?? 0));
    const start = Number(input.Marker ?? 0);
    const page = sorted.slice(start, start + 2);
    return { LayerVersions: page, NextMarker: start + 2 < sorted.length ? String(start + 2) : undefined };
  });
  mock.on(PublishLayerVersionCommand).callsFake((input: PublishLayerVersionCommandInput) => {
    const version = versions.length + 1;
    const zip = input.Content?.ZipFile;
    const codeSha256 = zip
      ? createHash('sha256').update(zip).digest('base64')
      : createHash('sha256')
          .update(s3Objects.get(input.Content?.S3Key ?? '') ?? '')
          .digest('base64');
    contents.set(version, codeSha256);
    versions.push({
      LayerVersionArn: `${LAYER_ARN}:${version}`,
      Version: version,
      Description: input.Description,
      CompatibleRuntimes: input.CompatibleRuntimes,
      CompatibleArchitectures: input.CompatibleArchitectures,
    });
    return {
      LayerVersionArn: `${LAYER_ARN}:${version}`,
      Version: version,
      Content: { CodeSha256: codeSha256 },
    };
  });
  mock.on(GetLayerVersionCommand).callsFake((input: { VersionNumber?: number }) => {
    const v = versions.find((x) => x.Version === input.VersionNumber);
    if (!v) throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
    return { ...v, Content: { CodeSha256: contents.get(v.Version ?? 0) } };
  });
  mock.on(DeleteLayerVersionCommand).callsFake((input: { VersionNumber?: number }) => {
    versions = versions.filter((v) => v.Version !== input.VersionNumber);
    return {};
  });
}

function layerZip(content: string): { zipPath: string; codeSha256: string } {
  const dir = mkdtempSync(join(tmpdir(), 'layer-test-'));
  const zipPath = join(dir, 'layer.zip');
  writeFileSync(zipPath, content);
  return { zipPath, codeSha256: createHash('sha256').update(content).digest('base64') };
}

function input(
  key: string,
  content = `deps for ${key}`,
  extra: Partial<DependenciesLayerInput> = {},
): DependenciesLayerInput {
  return {
    project: 'shop',
    runtime: 'python3.12',
    architecture: 'x86_64',
    key,
    ...layerZip(content),
    ...extra,
  };
}

beforeEach(() => {
  mock.reset();
  wireLayerStore();
  deps = { logger: new RecordingLogger(), sleep: recordingSleep(), random: () => 1 };
});

describe('dependenciesLayerName', () => {
  it('is {project}-deps with only the characters Lambda accepts', () => {
    expect(dependenciesLayerName('shop')).toBe('shop-deps');
    expect(dependenciesLayerName('my.shop')).toBe('my-shop-deps');
  });
});

describe('ensureDependenciesLayer', () => {
  it('publishes once, then reuses the version for the same key: no publish, no upload', async () => {
    const first = await ensureDependenciesLayer(lambda, input('k1'), deps);
    expect(first).toEqual({
      layerName: 'shop-deps',
      layerVersionArn: `${LAYER_ARN}:1`,
      version: 1,
      created: true,
    });
    const published = mock.commandCalls(PublishLayerVersionCommand)[0]?.args[0].input;
    expect(published).toMatchObject({
      LayerName: 'shop-deps',
      CompatibleRuntimes: ['python3.12'],
      CompatibleArchitectures: ['x86_64'],
    });
    expect(published?.Description).toContain('lambda-deploy:key=k1');
    expect(published?.Content?.ZipFile).toBeInstanceOf(Uint8Array);

    // Next deploy, only the function's code changed: same requirements, same key.
    mock.resetHistory();
    const second = await ensureDependenciesLayer(lambda, input('k1'), deps);
    expect(second).toEqual({ ...first, created: false });
    expect(mock).not.toHaveReceivedCommand(PublishLayerVersionCommand);
    expect(mock).toHaveReceivedCommandTimes(ListLayerVersionsCommand, 1);
  });

  it('changed requirements (a new key) publish a new version; the old key still finds its own', async () => {
    await ensureDependenciesLayer(lambda, input('k1'), deps);
    const changed = await ensureDependenciesLayer(lambda, input('k2'), deps);
    expect(changed).toMatchObject({ version: 2, created: true });
    await ensureDependenciesLayer(lambda, input('k3'), deps);
    mock.resetHistory();
    // k1 is on the second page (versions 3, 2 | 1): every page is read.
    const back = await ensureDependenciesLayer(lambda, input('k1'), deps);
    expect(back).toMatchObject({ version: 1, created: false });
    expect(mock).toHaveReceivedCommandTimes(ListLayerVersionsCommand, 2);
  });

  it('a version described as the key but holding other content is not reused: a new one is published', async () => {
    // Someone who may publish versions of the layer wrote our marker into theirs.
    versions.push({
      LayerVersionArn: `${LAYER_ARN}:1`,
      Version: 1,
      Description: 'lambda-deploy:key=k1 lambda-deploy dependencies of shop',
      CompatibleRuntimes: ['python3.12'],
      CompatibleArchitectures: ['x86_64'],
    });
    contents.set(1, createHash('sha256').update('planted').digest('base64'));
    const result = await ensureDependenciesLayer(lambda, input('k1'), deps);
    expect(result).toMatchObject({ version: 2, created: true });
    expect(mock).toHaveReceivedCommandWith(GetLayerVersionCommand, {
      LayerName: 'shop-deps',
      VersionNumber: 1,
    });
    expect(deps.logger.text()).toMatch(
      /layer:shop-deps:1 is described as these dependencies, but its CodeSha256/,
    );
    // The next deploy reuses the version with our content.
    expect((await ensureDependenciesLayer(lambda, input('k1'), deps)).version).toBe(2);
  });

  it('a version of the key for another runtime or architecture is not reused', async () => {
    versions.push({
      LayerVersionArn: `${LAYER_ARN}:1`,
      Version: 1,
      Description: 'lambda-deploy:key=k1 lambda-deploy dependencies of shop',
      CompatibleRuntimes: ['python3.11'],
      CompatibleArchitectures: ['x86_64'],
    });
    expect((await ensureDependenciesLayer(lambda, input('k1'), deps)).created).toBe(true);
    expect(
      (await ensureDependenciesLayer(lambda, input('k1', 'x', { architecture: 'arm64' }), deps)).created,
    ).toBe(true);
    expect(versions).toHaveLength(3);
  });

  it('publishes from S3 when the zip was uploaded there', async () => {
    s3Objects.set('lambda-deploy/shop/layer-k1.zip', 'z');
    await ensureDependenciesLayer(
      lambda,
      input('k1', 'z', {
        bucket: 'lambda-deploy-123456789012-eu-west-1',
        s3Key: 'lambda-deploy/shop/layer-k1.zip',
      }),
      deps,
    );
    expect(mock).toHaveReceivedCommandWith(PublishLayerVersionCommand, {
      Content: { S3Bucket: 'lambda-deploy-123456789012-eu-west-1', S3Key: 'lambda-deploy/shop/layer-k1.zip' },
    });
  });

  it('refuses a published layer whose bytes differ from the zip built here', async () => {
    mock
      .on(PublishLayerVersionCommand)
      .resolves({ LayerVersionArn: `${LAYER_ARN}:1`, Version: 1, Content: { CodeSha256: 'AAAA' } });
    await expect(ensureDependenciesLayer(lambda, input('k1'), deps)).rejects.toThrow(/CodeSha256 AAAA/);
  });

  it('names prune when the account code storage is full', async () => {
    mock.on(PublishLayerVersionCommand).rejects(
      Object.assign(new Error('Code storage limit exceeded'), {
        name: 'CodeStorageExceededException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(ensureDependenciesLayer(lambda, input('k1'), deps)).rejects.toThrow(/run prune/);
  });
});

describe('pruneLayerVersions', () => {
  beforeEach(async () => {
    for (const key of ['a', 'b', 'c', 'd', 'e']) await ensureDependenciesLayer(lambda, input(key), deps);
    mock.resetHistory();
  });

  it('deletes the versions no function uses, keeping the newest', async () => {
    const result = await pruneLayerVersions(
      lambda,
      { project: 'shop', inUse: new Set([`${LAYER_ARN}:2`]) },
      deps,
    );
    expect(result.kept).toEqual([`${LAYER_ARN}:5`, `${LAYER_ARN}:2`]);
    expect(result.deleted).toEqual([`${LAYER_ARN}:4`, `${LAYER_ARN}:3`, `${LAYER_ARN}:1`]);
    expect(versions.map((v) => v.Version).sort()).toEqual([2, 5]);
    expect(mock).toHaveReceivedCommandWith(DeleteLayerVersionCommand, {
      LayerName: 'shop-deps',
      VersionNumber: 4,
    });
  });

  it('dry-run deletes nothing', async () => {
    const result = await pruneLayerVersions(
      lambda,
      { project: 'shop', inUse: new Set(), dryRun: true },
      deps,
    );
    expect(result.deleted).toHaveLength(4);
    expect(mock).not.toHaveReceivedCommand(DeleteLayerVersionCommand);
    expect(versions).toHaveLength(5);
  });

  it("never deletes a version lambda-deploy did not publish (no lambda-deploy:key= in its description): the layer name may be the user's own", async () => {
    // Someone's own `shop-deps` layer, published by hand before and after ours.
    for (const description of ['shop dependencies', '', 'lambda-deploy:keyless by hand'])
      versions.push({
        LayerVersionArn: `${LAYER_ARN}:${versions.length + 1}`,
        Version: versions.length + 1,
        Description: description,
      });
    const result = await pruneLayerVersions(lambda, { project: 'shop', inUse: new Set() }, deps);
    // Ours are 1-5: the newest of ours (5) stays, the user's 6-8 are not even considered.
    expect(result.deleted).toEqual([`${LAYER_ARN}:4`, `${LAYER_ARN}:3`, `${LAYER_ARN}:2`, `${LAYER_ARN}:1`]);
    expect(result.kept).toEqual([`${LAYER_ARN}:5`]);
    expect(versions.map((v) => v.Version)).toEqual([5, 6, 7, 8]);
  });

  it('a project without a layer has nothing to prune', async () => {
    versions = [];
    expect(await pruneLayerVersions(lambda, { project: 'shop', inUse: new Set() }, deps)).toEqual({
      deleted: [],
      kept: [],
    });
  });
});
