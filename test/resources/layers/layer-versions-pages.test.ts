/**
 * ListLayerVersions against the fake Lambda, two versions a page: a listing
 * that hands out the same NextMarker twice would loop forever, and stopping
 * there would prune versions the unread pages' functions still use.
 */
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { pruneLayerVersions } from '../../../src/resources/layers/dependencies-layer.js';
import { RecordingLogger } from '../../../src/util/logger.js';

let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws({ pageSize: 2 });
});
afterEach(() => aws.close());

const prune = (inUse: string[]) =>
  pruneLayerVersions(
    aws.clients().lambda,
    { project: 'shop', inUse: new Set(inUse) },
    { logger: new RecordingLogger(), sleep: aws.clock.sleep, random: () => 1 },
  );

function seedVersions(): string[] {
  return ['a', 'b', 'c', 'd', 'e'].map((key) =>
    aws.seed.layerVersion('shop-deps', undefined, `lambda-deploy:key=${key}`),
  );
}

it('reads every page: versions in use on a later page stay', async () => {
  const arns = seedVersions();
  const result = await prune([arns[0]!]);
  expect(result.kept).toEqual([arns[4], arns[0]]);
  expect(result.deleted).toEqual([arns[3], arns[2], arns[1]]);
  expect(aws.calls.of({ operation: 'ListLayerVersions' })).toHaveLength(3);
});

it('a NextMarker handed out twice is an error, never an endless loop or a shorter list: nothing is deleted', async () => {
  const arns = seedVersions();
  // Lambda answers its first page again, with the same marker; version 1, in use, is on no page read.
  const first = await aws.clients().lambda.send(new ListLayerVersionsCommand({ LayerName: 'shop-deps' }));
  aws.calls.clear();
  aws.faults.answer(
    'ListLayerVersions',
    { LayerVersions: first.LayerVersions, NextMarker: 'page-2' },
    { times: 3 },
  );
  await expect(prune([arns[0]!])).rejects.toThrow(/token page-2 again/);
  expect(aws.calls.of({ operation: 'ListLayerVersions' })).toHaveLength(2);
  expect(aws.calls.of({ operation: 'DeleteLayerVersion' })).toEqual([]);
  expect([...aws.account.layers.get('shop-deps')!.versions.keys()]).toEqual([1, 2, 3, 4, 5]);
});
