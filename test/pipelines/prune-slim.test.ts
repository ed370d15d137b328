import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { tagsFor } from '../../fakes/aws/deployed-stage.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { pruneSlimArchives, type SlimPruneOptions } from '../../src/pipelines/prune.js';
import { defaultBucketName } from '../../src/resources/artifacts/artifact-bucket.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { makePlan } from '../../src/model/plan.js';
import { runPipeline } from '../../src/pipelines/run-pipeline.js';
import { readSettings } from '../../src/settings/settings.js';
import { eventContext } from '../support/github-context.js';

const BUCKET = defaultBucketName(ACCOUNT_ID, REGION);
const HOUR = 3_600_000;
const sha = (c: string) => c.repeat(64);
const key = (kind: string, c: string, project = 'shop') =>
  `lambda-deploy-slim/${project}/${kind}/${sha(c)}.tar.gz`;

// Two items a page: the listings have to page.
let aws: FakeAws;
let now: Date;
beforeEach(async () => {
  aws = await startFakeAws({ pageSize: 2 });
  now = new Date(aws.clock.now());
});
afterEach(() => aws.close());

function archive(k: string, hoursAgo: number, bucket = BUCKET): void {
  aws.seed.object(bucket, k, Buffer.from(k), { lastModified: now.getTime() - hoursAgo * HOUR });
}

/** A function tagged for `tags`'s project with versions 1 and 2; `env` sets the slim key on $LATEST ('latest') or a version. */
function slimFunction(name: string, tags: Record<string, string>, env: Record<string, string>) {
  const fn = aws.seed.function(name, { tags, versions: 2, alias: 'live' });
  for (const [qualifier, k] of Object.entries(env)) {
    const config = qualifier === 'latest' ? fn.latest : fn.versions.get(qualifier)!.config;
    config.Environment = { Variables: { LAMBDA_DEPLOY_SLIM_BUCKET: BUCKET, LAMBDA_DEPLOY_SLIM_KEY: k } };
  }
  return fn;
}

async function prune(extra: Partial<SlimPruneOptions> = {}) {
  const logger = new RecordingLogger();
  const options = { project: 'shop', bucket: BUCKET, accountId: ACCOUNT_ID, dryRun: false, now, ...extra };
  const result = await pruneSlimArchives(aws.clients(), options, {
    logger,
    sleep: aws.clock.sleep,
    random: () => 1,
  });
  return { result, logger };
}

const keys = (bucket = BUCKET) => [...aws.account.buckets.get(bucket)!.objects.keys()].sort();

/** The project's archives: referenced by an old version, by $LATEST, by another repository's function; unused old and young ones. */
function seedArchives() {
  archive(key('production', 'a'), 500); // version 1 of shop-main
  archive(key('preview', 'b'), 500); // $LATEST of shop-pr-3
  archive(key('preview', 'c'), 500); // another repository's stage of the same project
  archive(key('production', 'd'), 300); // no one: goes
  archive(key('preview', 'e'), 200); // no one: goes
  archive(key('preview', 'f'), 2); // no one, but 2 hours old: a deploy may be about to name it
  archive(key('production', 'g', 'billing'), 500); // another project's
  archive('lambda-deploy/shop/' + sha('h') + '.zip', 500); // a zip: the lifecycle rule's business
  archive('lambda-deploy-slim/shop/notes.txt', 500); // not a name lambda-deploy writes
  slimFunction('shop-main', tagsFor('shop', 'main'), { '1': key('production', 'a') });
  slimFunction('shop-pr-3', tagsFor('shop', 'pr-3'), { latest: key('preview', 'b') });
  slimFunction('shop-feature', tagsFor('shop', 'feature', 'other-org/shop'), { '2': key('preview', 'c') });
}

describe('pruneSlimArchives', () => {
  it('deletes only the project’s unreferenced archives older than a day', async () => {
    seedArchives();
    const { result } = await prune();
    expect(result.skipped).toBeUndefined();
    expect(result.deleted.map((a) => a.key)).toEqual([key('preview', 'e'), key('production', 'd')]);
    expect(result.deleted.map((a) => a.bytes)).toEqual([
      key('preview', 'e').length,
      key('production', 'd').length,
    ]);
    expect(keys()).toEqual(
      [
        key('production', 'a'),
        key('preview', 'b'),
        key('preview', 'c'),
        key('preview', 'f'),
        key('production', 'g', 'billing'),
        'lambda-deploy/shop/' + sha('h') + '.zip',
        'lambda-deploy-slim/shop/notes.txt',
      ].sort(),
    );
    // Every S3 call named the account as the bucket's owner (the fake refuses others), and none deleted elsewhere.
    expect(aws.calls.of({ operation: 'DeleteObject' }).length).toBe(2);
  });

  it('dry run: says what would go, deletes nothing', async () => {
    seedArchives();
    const before = keys();
    const { result } = await prune({ dryRun: true });
    expect(result.deleted.map((a) => a.key)).toEqual([key('preview', 'e'), key('production', 'd')]);
    expect(keys()).toEqual(before);
    expect(aws.calls.of({ operation: 'DeleteObject' })).toEqual([]);
  });

  it('deletes nothing while a deploy of any stage of the project is running', async () => {
    seedArchives();
    aws.account.functions.get('shop-pr-3')!.tags['lambda-deploy:deploying'] = new Date(
      now.getTime() - 5 * 60_000,
    ).toISOString();
    const before = keys();
    const { result } = await prune();
    expect(result.deleted).toEqual([]);
    expect(result.skipped).toContain('a deploy of stage pr-3 is running');
    expect(keys()).toEqual(before);
  });

  it('a deploying mark from the future is no running deploy: a preview job may tag its own function so, forever', async () => {
    seedArchives();
    // The preview role may tag its own stage's functions with lambda-deploy's keys; a mark dated
    // 2099 would otherwise read as "younger than an hour" at every prune, and nothing would go.
    aws.account.functions.get('shop-pr-3')!.tags['lambda-deploy:deploying'] = '2099-01-01T00:00:00.000Z';
    const { result } = await prune();
    expect(result.skipped).toBeUndefined();
    expect(result.deleted.map((a) => a.key)).toEqual([key('preview', 'e'), key('production', 'd')]);
  });

  it.each([
    ['denied', (a: FakeAws) => a.faults.deny('ListVersionsByFunction')],
    ['throttled past the retries', (a: FakeAws) => a.faults.throttle('ListVersionsByFunction', 50)],
  ])('deletes nothing when a function’s versions cannot be read (%s), and says why', async (_, fault) => {
    seedArchives();
    fault(aws);
    const before = keys();
    const { result } = await prune();
    expect(result.deleted).toEqual([]);
    expect(result.skipped).toMatch(/the versions of shop-\S+ could not be read/);
    expect(keys()).toEqual(before);
  });

  it('the preview role, which may not read a protected stage’s function: deletes nothing, saying which function it could not read', async () => {
    seedArchives();
    aws.faults.denyWhen(
      '*',
      ({ service, input }) => service === 'lambda' && /shop-main/.test(String(input.FunctionName)),
    );
    const before = keys();
    const { result } = await prune();
    expect(result).toEqual({
      deleted: [],
      failed: [],
      skipped: expect.stringMatching(
        /^the function shop-main could not be read \(.*lambda:GetFunction.*\), so which archives are in use is unknown$/,
      ),
    });
    expect(keys()).toEqual(before);
  });

  it('a listing that hands out a token it handed out before is an error, never a shorter list: nothing goes', async () => {
    seedArchives();
    // The tagging index answers its first page again, with the same token: shop-main (whose
    // version 1 names archive a) is on no page read, and its archive would count as unused.
    const fn = aws.account.functions.get('shop-pr-3')!;
    const page = {
      ResourceTagMappingList: [
        {
          ResourceARN: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:shop-pr-3`,
          Tags: Object.entries(fn.tags).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
      PaginationToken: 'page-2',
    };
    aws.faults.answer('GetResources', page, { times: 2 });
    const before = keys();
    await expect(prune()).rejects.toThrow(/token page-2 again/);
    expect(keys()).toEqual(before);
    expect(aws.calls.of({ operation: 'DeleteObject' })).toEqual([]);
  });

  it('a bucket that does not exist has nothing to prune', async () => {
    const { result } = await prune({ bucket: 'no-such-bucket-here' });
    expect(result).toEqual({ deleted: [], failed: [] });
  });

  it('a delete the role may not make is reported, the others still go', async () => {
    seedArchives();
    aws.faults.deny('DeleteObject', 1);
    const { result } = await prune();
    expect(result.failed.map((f) => f.key)).toEqual([key('preview', 'e')]);
    expect(result.failed[0]!.why).toContain('s3:DeleteObject');
    expect(result.deleted.map((a) => a.key)).toEqual([key('production', 'd')]);
  });
});

describe('command: prune', () => {
  async function runPrune(dryRun: boolean) {
    const inputs: Record<string, string> = {
      name: 'shop',
      command: 'prune',
      'aws-region': REGION,
      'dry-run': String(dryRun),
    };
    const settings = readSettings((name) => inputs[name], {});
    const ctx = { ...eventContext('schedule'), repository: 'acme/shop' };
    const logger = new RecordingLogger();
    const run = await runPipeline(settings, makePlan(settings, ctx), ctx, {
      logger,
      env: {},
      awsClients: () => aws.clients(),
      credentialChain: async () => ({}),
      sleep: aws.clock.sleep,
      now: () => now.getTime(),
      github: { listBranches: async () => ['main'], getPullRequestState: async () => 'open' } as never,
    });
    return { run, logger };
  }

  it.each([false, true])(
    'lists each unused archive with its size in the summary and the log (dry run: %s)',
    async (dryRun) => {
      seedArchives();
      const { run, logger } = await runPrune(dryRun);
      const md = run.markdown;
      expect(md).toContain(
        `Unused slim dependencies archives ${dryRun ? 'that would be deleted (dry run)' : 'deleted'}**: 2`,
      );
      expect(md).toContain(`| \`${key('production', 'd')}\` | ${key('production', 'd').length} bytes |`);
      expect(logger.text('info')).toContain(
        `${dryRun ? 'Would delete' : 'Deleted'} unused slim archive s3://${BUCKET}/${key('preview', 'e')}`,
      );
      expect(keys().includes(key('production', 'd'))).toBe(dryRun);
      expect(run.failure).toBeUndefined();
    },
  );
});
