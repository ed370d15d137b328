import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TagResourceCommand } from '@aws-sdk/client-lambda';
import { changes } from '../../fakes/aws/call-summaries.js';
import { seedDeployedStage, tagsFor } from '../../fakes/aws/deployed-stage.js';
import { denyUntaggedFunctions } from '../../fakes/aws/preview-iam.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { createGitHubApi } from '../../src/reporting/github-api.js';
import { pruneDependencyLayers, pruneStages, type PruneOptions } from '../../src/pipelines/prune.js';
import { parseLambdaTime } from '../../src/resources/stage/project-stages.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import { startGitHubServer, type GitHubServer } from '../support/github-server.js';

const NOW = new Date('2026-03-20T12:00:00Z');
/** The description lambda-deploy publishes its dependencies layer with (prune deletes only such versions). */
const OUR_LAYER = 'lambda-deploy:key=0123abcd lambda-deploy dependencies of shop';
const lambdaTime = (daysAgo: number) =>
  new Date(NOW.getTime() - daysAgo * 86_400_000).toISOString().replace('Z', '+0000');

let github: GitHubServer;
beforeAll(async () => {
  // 'develop' sits on the third page: a prune that read one page would remove its stage.
  const filler = Array.from({ length: 230 }, (_, i) => `dependabot/${i}`);
  github = await startGitHubServer({
    branches: ['main', ...filler.slice(0, 150), 'release/2', ...filler.slice(150), 'develop'],
    pulls: new Map([
      [12, 'closed'],
      [13, 'open'],
      [14, 'open'],
    ]),
  });
});
afterAll(() => github.close());

// Two items a page: every listing the prune makes has to page.
let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws({ pageSize: 2 });
});
afterEach(() => aws.close());

const seedStage = (options: Parameters<typeof seedDeployedStage>[1]) => seedDeployedStage(aws, options);

function seedProject(): void {
  const p = 'shop';
  seedStage({ project: p, stage: 'main', gateway: 'http-api' });
  seedStage({ project: p, stage: 'develop', gateway: 'http-api' });
  seedStage({ project: p, stage: 'feature-gone', gateway: 'http-api', keepWarm: true });
  seedStage({ project: p, stage: 'pr-12', gateway: 'rest-api', lastModified: lambdaTime(1) });
  seedStage({ project: p, stage: 'pr-13', gateway: 'function-url', lastModified: lambdaTime(2) });
  seedStage({ project: p, stage: 'pr-14', gateway: 'none', lastModified: lambdaTime(9) });
  seedStage({ project: p, stage: 'staging', gateway: 'http-api', ref: 'main' });
  // Another project's stage whose branch is gone too: not ours to prune.
  seedStage({ project: 'billing', stage: 'feature-gone', gateway: 'http-api' });
}

const options: PruneOptions = {
  project: 'shop',
  repository: 'acme/shop',
  protectedStages: ['main', 'master', 'prod', 'production'],
  previewTtl: 7,
  dryRun: false,
  now: NOW,
};

async function prune(extra: Partial<PruneOptions> = {}) {
  const logger = new RecordingLogger();
  const refs = createGitHubApi({
    apiUrl: github.url,
    repository: 'acme/shop',
    token: github.state.token,
    logger,
    sleep: recordingSleep(),
  });
  const lines = await pruneStages(
    aws.clients(),
    refs,
    { ...options, ...extra },
    { logger, sleep: aws.clock.sleep, random: () => 1 },
  );
  return { lines, logger };
}

describe('pruneStages: only this repository’s stages, and never one being deployed', () => {
  it("prune in repository A never judges B's stages by A's branches", async () => {
    seedProject();
    // The same project name used by another repository in the account: its branch and PR are not ours to ask about.
    const theirs = (stage: string) => ({
      ...tagsFor('shop', stage),
      'lambda-deploy:repository': 'other-org/shop',
    });
    seedStage({
      project: 'shop',
      stage: 'feature-theirs',
      gateway: 'http-api',
      tags: theirs('feature-theirs'),
    });
    seedStage({ project: 'shop', stage: 'pr-99', gateway: 'rest-api', tags: theirs('pr-99') });
    github.state.requests.length = 0;
    const { lines } = await prune();
    expect(lines.map((l) => l.stage)).not.toContain('feature-theirs');
    expect(lines.map((l) => l.stage)).not.toContain('pr-99');
    expect(lines.filter((l) => l.action === 'removed').map((l) => l.stage)).toEqual([
      'feature-gone',
      'pr-12',
      'pr-14',
    ]);
    expect(aws.account.functions.has('shop-feature-theirs')).toBe(true);
    expect(aws.account.functions.has('shop-pr-99')).toBe(true);
    for (const change of changes(aws)) expect(change).not.toMatch(/theirs|pr-99/);
    expect(github.state.requests.map((r) => r.path)).not.toContain('/api/v3/repos/acme/shop/pulls/99');
  });

  it('leaves a stage whose deploy started after prune judged it (a push to a pull request idle past preview-ttl)', async () => {
    seedStage({ project: 'shop', stage: 'pr-14', gateway: 'http-api', lastModified: lambdaTime(9) });
    seedStage({ project: 'shop', stage: 'pr-12', gateway: 'http-api', lastModified: lambdaTime(1) });
    // The deploy of pr-14 starts (its deploying mark) once prune is past its listing, as it removes pr-12.
    aws.faults.denyWhen('GetResources', ({ input }) => {
      const stage = JSON.stringify(input.TagFilters ?? []).includes('"pr-12"');
      if (stage) aws.account.functions.get('shop-pr-14')!.tags['lambda-deploy:deploying'] = NOW.toISOString();
      return false;
    });
    const { lines } = await prune();
    expect(lines).toEqual([
      { stage: 'pr-12', action: 'removed', why: 'pull request #12 is closed' },
      {
        stage: 'pr-14',
        action: 'kept',
        why: 'pull request #14 not deployed for 9 days (preview-ttl 7); kept: a deploy started 0 min ago is still running (tag lambda-deploy:deploying)',
      },
    ]);
    expect(aws.account.functions.has('shop-pr-14')).toBe(true);
    expect(changes(aws).filter((c) => c.includes('pr-14'))).toEqual([]);
  });

  it('skips a stage a run is deploying (its lambda-deploy:deploying mark), but not a mark over an hour old', async () => {
    const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
    seedStage({
      project: 'shop',
      stage: 'feature-gone',
      gateway: 'http-api',
      tags: { ...tagsFor('shop', 'feature-gone'), 'lambda-deploy:deploying': minutesAgo(5) },
    });
    seedStage({
      project: 'shop',
      stage: 'feature-stale',
      gateway: 'http-api',
      tags: { ...tagsFor('shop', 'feature-stale'), 'lambda-deploy:deploying': minutesAgo(120) },
    });
    seedStage({ project: 'shop', stage: 'pr-12', gateway: 'http-api' });
    // An update Lambda is still applying.
    aws.account.functions.get('shop-pr-12')!.change = { kind: 'update', until: aws.clock.now() + 60_000 };
    const { lines } = await prune();
    expect(lines).toEqual([
      {
        stage: 'feature-gone',
        action: 'kept',
        why: 'a deploy started 5 min ago is still running (tag lambda-deploy:deploying)',
      },
      { stage: 'feature-stale', action: 'removed', why: 'branch feature-stale no longer exists' },
      {
        stage: 'pr-12',
        action: 'kept',
        why: 'Lambda is applying an update to its function: a deploy is running',
      },
    ]);
    expect(aws.account.functions.has('shop-feature-gone')).toBe(true);
    expect(aws.account.functions.has('shop-feature-stale')).toBe(false);
  });

  it('judges a stage by all its functions: a second one mid-deploy or deployed later keeps it', async () => {
    const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
    // Branch gone, but a deploy into another function tagged for the stage (a renamed one) is running.
    seedStage({ project: 'shop', stage: 'feature-gone', gateway: 'http-api' });
    aws.seed.function('shop-feature-gone-node', {
      tags: { ...tagsFor('shop', 'feature-gone'), 'lambda-deploy:deploying': minutesAgo(5) },
    });
    // Idle past preview-ttl by its first function, deployed yesterday into its second.
    seedStage({ project: 'shop', stage: 'pr-14', gateway: 'none', lastModified: lambdaTime(9) });
    aws.seed.function('shop-pr-14-py312', { tags: tagsFor('shop', 'pr-14') }).latest.LastModified =
      lambdaTime(1);
    const { lines } = await prune();
    expect(lines).toEqual([
      {
        stage: 'feature-gone',
        action: 'kept',
        why: 'a deploy started 5 min ago is still running (tag lambda-deploy:deploying)',
      },
      { stage: 'pr-14', action: 'kept', why: 'pull request #14 is open' },
    ]);
    expect(aws.account.functions.has('shop-feature-gone')).toBe(true);
    expect(aws.account.functions.has('shop-pr-14')).toBe(true);
  });

  it('preview-ttl counts an unchanged redeploy (its lambda-deploy:deployed tag), not only LastModified', async () => {
    seedStage({
      project: 'shop',
      stage: 'pr-14',
      gateway: 'none',
      lastModified: lambdaTime(9),
      tags: { ...tagsFor('shop', 'pr-14'), 'lambda-deploy:deployed': lambdaTime(1).replace('+0000', 'Z') },
    });
    seedStage({ project: 'shop', stage: 'pr-13', gateway: 'none', lastModified: lambdaTime(9) });
    const { lines } = await prune();
    expect(lines).toEqual([
      { stage: 'pr-13', action: 'removed', why: 'pull request #13 not deployed for 9 days (preview-ttl 7)' },
      { stage: 'pr-14', action: 'kept', why: 'pull request #14 is open' },
    ]);
  });
});

describe('pruneStages end to end (fake AWS, local GitHub API)', () => {
  it('removes stages whose branch is gone or pull request closed or idle, keeps the rest, says why', async () => {
    seedProject();
    github.state.requests.length = 0;
    const { lines, logger } = await prune();
    expect(lines).toEqual([
      { stage: 'develop', action: 'kept', why: 'branch develop exists' },
      { stage: 'feature-gone', action: 'removed', why: 'branch feature-gone no longer exists' },
      { stage: 'main', action: 'kept', why: 'protected (protected-stages)' },
      { stage: 'pr-12', action: 'removed', why: 'pull request #12 is closed' },
      { stage: 'pr-13', action: 'kept', why: 'pull request #13 is open' },
      { stage: 'pr-14', action: 'removed', why: 'pull request #14 not deployed for 9 days (preview-ttl 7)' },
      {
        stage: 'staging',
        action: 'kept',
        why: "not a branch or pull request stage (ref 'main'; set by the stage input?)",
      },
    ]);
    expect([...aws.account.functions.keys()].sort()).toEqual([
      'billing-feature-gone',
      'shop-develop',
      'shop-main',
      'shop-pr-13',
      'shop-staging',
    ]);
    expect(
      aws.account.restApis.size +
        aws.account.usagePlans.size +
        aws.account.apiKeys.size +
        aws.account.rules.size,
    ).toBe(0);
    // Every deletion belongs to a removed stage, each found under its own function's name (no resource of
    // another stage was even considered), and the removed stages' logs stay (remove-logs was not asked).
    for (const change of changes(aws)) expect(change).not.toMatch(/billing|develop|main|pr-13|staging/);
    expect(logger.text('warning')).toBe('');
    for (const stage of ['feature-gone', 'pr-12', 'pr-14'])
      expect(aws.account.logGroups.has(`/aws/lambda/shop-${stage}`)).toBe(true);
    // Three pages of branches, one request per pull request stage.
    expect(github.state.requests.map((r) => r.path).filter((p) => p.includes('/branches'))).toHaveLength(3);
    expect(
      github.state.requests
        .map((r) => r.path)
        .filter((p) => p.includes('/pulls'))
        .sort(),
    ).toEqual([
      '/api/v3/repos/acme/shop/pulls/12',
      '/api/v3/repos/acme/shop/pulls/13',
      '/api/v3/repos/acme/shop/pulls/14',
    ]);
  });

  it('removes a stage named with the stage input once the pull request it was last deployed for is closed', async () => {
    seedStage({ project: 'shop', stage: 'preview-12', gateway: 'http-api', ref: 'pull/12' });
    seedStage({
      project: 'shop',
      stage: 'preview-13',
      gateway: 'http-api',
      ref: 'pull/13',
      lastModified: lambdaTime(2),
    });
    const { lines } = await prune();
    expect(lines).toEqual([
      { stage: 'preview-12', action: 'removed', why: 'pull request #12 is closed' },
      { stage: 'preview-13', action: 'kept', why: 'pull request #13 is open' },
    ]);
    expect([...aws.account.functions.keys()]).toEqual(['shop-preview-13']);
  });

  it('dry-run: says what would go and removes nothing', async () => {
    seedProject();
    const { lines } = await prune({ dryRun: true });
    expect(lines.filter((l) => l.action === 'would remove').map((l) => l.stage)).toEqual([
      'feature-gone',
      'pr-12',
      'pr-14',
    ]);
    expect(lines.filter((l) => l.action === 'removed')).toEqual([]);
    expect(changes(aws)).toEqual([]);
    expect(aws.account.functions.size).toBe(8);
  });

  it('one stage failing to go does not stop the others; its line says why', async () => {
    seedProject();
    aws.faults.deny('DeleteApi');
    const { lines, logger } = await prune();
    const gone = lines.find((l) => l.stage === 'feature-gone');
    expect(gone?.action).toBe('failed');
    expect(gone?.why).toMatch(
      /^branch feature-gone no longer exists; removal failed: .*Could not delete HTTP API .*AccessDeniedException.*apigateway:DELETE/,
    );
    expect(lines.filter((l) => l.action === 'removed').map((l) => l.stage)).toEqual(['pr-12', 'pr-14']);
    expect(aws.account.functions.has('shop-feature-gone')).toBe(true);
    expect(logger.text('error')).toContain('Could not remove stage feature-gone');
  });

  it('a project with no stages: nothing to prune, GitHub not asked', async () => {
    github.state.requests.length = 0;
    const { lines, logger } = await prune();
    expect(lines).toEqual([]);
    expect(logger.text('info')).toContain('nothing to prune');
    expect(github.state.requests).toEqual([]);
  });

  it('only pull request stages: their pull requests are read, the branches are not listed', async () => {
    seedStage({ project: 'shop', stage: 'pr-12', gateway: 'none', lastModified: lambdaTime(1) });
    seedStage({ project: 'shop', stage: 'pr-13', gateway: 'none', lastModified: lambdaTime(1) });
    github.state.requests.length = 0;
    const { lines } = await prune({ dryRun: true });
    expect(lines.map((l) => `${l.stage} ${l.action}`)).toEqual(['pr-12 would remove', 'pr-13 kept']);
    expect(github.state.requests.map((r) => r.path)).toEqual([
      '/api/v3/repos/acme/shop/pulls/12',
      '/api/v3/repos/acme/shop/pulls/13',
    ]);
  });

  it('without preview-ttl an idle open pull request stays', async () => {
    seedProject();
    const { lines } = await prune({ previewTtl: undefined, dryRun: true });
    expect(lines.find((l) => l.stage === 'pr-14')).toEqual({
      stage: 'pr-14',
      action: 'kept',
      why: 'pull request #14 is open',
    });
  });
});

it.each<[string | undefined, string | undefined]>([
  ['2026-03-11T12:00:00.000+0000', '2026-03-11T12:00:00.000Z'],
  ['2026-03-11T12:00:00.000+0530', '2026-03-11T06:30:00.000Z'],
  ['2026-03-11T12:00:00Z', '2026-03-11T12:00:00.000Z'],
  ['not a time', undefined],
  [undefined, undefined],
])('parseLambdaTime(%s)', (text, iso) => {
  expect(parseLambdaTime(text)?.toISOString()).toBe(iso);
});

describe('pruneDependencyLayers', () => {
  it('keeps every version a function of the project uses (two functions tagged for one stage too) and the newest; deletes the rest', async () => {
    const layer = 'shop-deps';
    const [v1, v2, v3, v4] = [1, 2, 3, 4].map(() => aws.seed.layerVersion(layer, undefined, OUR_LAYER)) as [
      string,
      string,
      string,
      string,
    ];
    const main = seedStage({ project: 'shop', stage: 'main', gateway: 'none' });
    aws.account.functions.get(main.functionName)!.latest.Layers = [{ Arn: v2, CodeSize: 0 }];
    // Another function tagged for the same stage (made by an earlier name of it): its layer is in use too.
    aws.seed.function('shop-main-2025', { tags: tagsFor('shop', 'main') }).latest.Layers = [
      { Arn: v1, CodeSize: 0 },
    ];
    // A function the tagging index still lists after it was deleted uses no layer.
    aws.seed.staleTagIndex(
      `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:shop-pr-12`,
      tagsFor('shop', 'pr-12'),
    );
    const deleted = await pruneDependencyLayers(aws.clients(), 'shop', false, {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
      random: () => 1,
    });
    expect(deleted).toEqual([v3]);
    expect([...aws.account.layers.get(layer)!.versions.values()].map((v) => v.arn)).toEqual([v1, v2, v4]);
  });

  it('leaves the versions alone while a deploy of the project is running (it may attach an unused one it reuses)', async () => {
    const layer = 'shop-deps';
    const [v1, v2, v3] = [1, 2, 3].map(() => aws.seed.layerVersion(layer, undefined, OUR_LAYER)) as [
      string,
      string,
      string,
    ];
    const started = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
    const main = seedStage({
      project: 'shop',
      stage: 'main',
      gateway: 'none',
      tags: { ...tagsFor('shop', 'main'), 'lambda-deploy:deploying': started(5) },
    });
    aws.account.functions.get(main.functionName)!.latest.Layers = [{ Arn: v2, CodeSize: 0 }];
    const logger = new RecordingLogger();
    const deps = { logger, sleep: recordingSleep(), random: () => 1 };
    expect(await pruneDependencyLayers(aws.clients(), 'shop', false, deps, NOW)).toEqual([]);
    expect(logger.text('info')).toContain('a deploy of stage main is running');
    expect([...aws.account.layers.get(layer)!.versions.values()].map((v) => v.arn)).toEqual([v1, v2, v3]);
    // A mark over an hour old is a deploy that died: the prune goes ahead.
    await aws.clients().lambda.send(
      new TagResourceCommand({
        Resource: aws.account.functions.get(main.functionName)!.latest.FunctionArn!,
        Tags: { 'lambda-deploy:deploying': started(90) },
      }),
    );
    expect(await pruneDependencyLayers(aws.clients(), 'shop', false, deps, NOW)).toEqual([v1]);
  });

  it.each([false, true])(
    'a delete that took effect before its 5xx (connection dropped: %s) counts as done when the retry finds no version',
    async (reset) => {
      const layer = 'shop-deps';
      const [v1, v2, v3] = [1, 2, 3].map(() => aws.seed.layerVersion(layer, undefined, OUR_LAYER)) as [
        string,
        string,
        string,
      ];
      aws.seed.function('shop-main', { tags: tagsFor('shop', 'main') }).latest.Layers = [
        { Arn: v2, CodeSize: 0 },
      ];
      aws.faults.failAfter('DeleteLayerVersion', { reset });
      const logger = new RecordingLogger();
      // The SDK's retries as the action has them (createAwsClients): they send the delete again.
      const deleted = await pruneDependencyLayers(aws.clients({ maxAttempts: 5 }), 'shop', false, {
        logger,
        sleep: recordingSleep(),
        random: () => 1,
      });
      expect(deleted).toEqual([v1]);
      expect(aws.calls.of({ operation: 'DeleteLayerVersion' })[0]).toMatchObject({ fault: 'failAfter' });
      expect(aws.calls.of({ operation: 'DeleteLayerVersion' }).length).toBeGreaterThan(1);
      expect([...aws.account.layers.get(layer)!.versions.values()].map((v) => v.arn)).toEqual([v2, v3]);
      expect(logger.lines.map((l) => l.message)).toContain(`Deleted unused layer version ${v1}.`);
    },
  );
});

/**
 * Prune with the preview role: the reusable workflow's choice when the default branch (where
 * schedules run) is not a production branch. IAM refuses that role every call on a protected
 * stage's function (src/iam/preview-denies.ts, ProtectedStages): prune must still judge the others.
 */
describe('prune with the preview role, which may not read a protected stage', () => {
  const denyProtectedFunctions = () =>
    aws.faults.denyWhen('*', ({ service, input }) => {
      const named = decodeURIComponent(String(input.FunctionName ?? ''));
      return service === 'lambda' && /(^|:function:)shop-(main|master|prod|production)(:|$)/.test(named);
    });

  it('judges the stages it can read; a protected stage is kept by its tags from the index', async () => {
    seedProject();
    denyProtectedFunctions();
    const { lines, logger } = await prune();
    expect(lines).toEqual([
      { stage: 'develop', action: 'kept', why: 'branch develop exists' },
      { stage: 'feature-gone', action: 'removed', why: 'branch feature-gone no longer exists' },
      { stage: 'main', action: 'kept', why: 'protected (protected-stages)' },
      { stage: 'pr-12', action: 'removed', why: 'pull request #12 is closed' },
      { stage: 'pr-13', action: 'kept', why: 'pull request #13 is open' },
      { stage: 'pr-14', action: 'removed', why: 'pull request #14 not deployed for 9 days (preview-ttl 7)' },
      {
        stage: 'staging',
        action: 'kept',
        why: "not a branch or pull request stage (ref 'main'; set by the stage input?)",
      },
    ]);
    expect(aws.account.functions.has('shop-main')).toBe(true);
    expect(logger.text('warning')).toBe('');
  });

  it('a stage whose function it may not read is never removed, whatever its tags say', async () => {
    seedStage({ project: 'shop', stage: 'feature-gone', gateway: 'none' });
    aws.faults.denyWhen(
      '*',
      ({ service, input }) => service === 'lambda' && /shop-feature-gone/.test(String(input.FunctionName)),
    );
    const { lines } = await prune();
    expect(lines).toEqual([
      {
        stage: 'feature-gone',
        action: 'kept',
        why: expect.stringMatching(
          /^its function shop-feature-gone could not be read \(.*not authorized to perform: lambda:GetFunction.*\): this role may not remove it$/,
        ),
      },
    ]);
    expect(aws.account.functions.has('shop-feature-gone')).toBe(true);
  });

  // Only the role's own Deny is the preview role at work: a missing Allow (a policy older than
  // this prune, a boundary, an SCP) is a permission to fix, or prune would keep every stage, layer
  // version and archive forever, saying only "kept".
  it('a GetFunction no policy allows fails prune, naming the permission: no stage is kept as unreadable', async () => {
    seedProject();
    aws.faults.deny('GetFunction');
    await expect(prune()).rejects.toThrow(
      /^Could not read function shop-\S+: .*because no identity-based policy allows the lambda:GetFunction action.*The deploy role needs lambda:GetFunction\.$/,
    );
    expect(aws.account.functions.has('shop-feature-gone')).toBe(true);
    const deps = { logger: new RecordingLogger(), sleep: recordingSleep(), random: () => 1 };
    await expect(pruneDependencyLayers(aws.clients(), 'shop', false, deps, NOW)).rejects.toThrow(
      /lambda:GetFunction/,
    );
  });

  it('keeps the versions of the dependencies layer, saying why, when the role may not delete them (its Deny)', async () => {
    const layer = 'shop-deps';
    const versions = [1, 2, 3].map(() => aws.seed.layerVersion(layer, undefined, OUR_LAYER));
    seedStage({ project: 'shop', stage: 'pr-12', gateway: 'none' });
    aws.faults.deny('DeleteLayerVersion', Number.POSITIVE_INFINITY, { explicit: true });
    const logger = new RecordingLogger();
    const deps = { logger, sleep: recordingSleep(), random: () => 1 };
    expect(await pruneDependencyLayers(aws.clients(), 'shop', false, deps, NOW)).toEqual([]);
    expect(logger.text('info')).toContain(
      'Unused versions of the dependencies layer stay: this role may not delete them (the preview role',
    );
    // What to do, or they pile up for good: the nightly prune takes the production role only on a production branch.
    expect(logger.text('info')).toContain(
      "Make the default branch a production branch (list it in protected-stages and in setup's --protected-stages)",
    );
    expect(aws.calls.of({ operation: 'DeleteLayerVersion' })).toHaveLength(1);
    expect([...aws.account.layers.get(layer)!.versions.values()].map((v) => v.arn)).toEqual(versions);
    // A missing Allow is a permission to fix, as for the reads above.
    aws.faults.allow('DeleteLayerVersion').deny('DeleteLayerVersion');
    await expect(pruneDependencyLayers(aws.clients(), 'shop', false, deps, NOW)).rejects.toThrow(
      /lambda:DeleteLayerVersion/,
    );
  });

  // A dry run deletes nothing, so no Deny tells it the role: it must still say what the real run would do.
  it('dry-run under the preview role says the versions stay, with the real run\'s reason and advice, not "Would delete"', async () => {
    const layer = 'shop-deps';
    const versions = [1, 2, 3].map(() => aws.seed.layerVersion(layer, undefined, OUR_LAYER));
    seedStage({ project: 'shop', stage: 'pr-12', gateway: 'none' });
    // The preview role: its Deny on deleting layer versions, and on any function lambda-deploy did not make.
    aws.faults.deny('DeleteLayerVersion', Number.POSITIVE_INFINITY, { explicit: true });
    denyUntaggedFunctions(aws, 'shop');
    const run = async (dryRun: boolean) => {
      const logger = new RecordingLogger();
      const deps = { logger, sleep: recordingSleep(), random: () => 1 };
      expect(await pruneDependencyLayers(aws.clients(), 'shop', dryRun, deps, NOW)).toEqual([]);
      return logger.text('info');
    };
    const dry = await run(true);
    expect(dry).not.toContain('Would delete');
    expect(aws.calls.of({ operation: 'DeleteLayerVersion' })).toHaveLength(0);
    const real = await run(false);
    expect(real).toContain('Unused versions of the dependencies layer stay: this role may not delete them');
    expect(dry).toBe(real);
    expect([...aws.account.layers.get(layer)!.versions.values()].map((v) => v.arn)).toEqual(versions);
  });

  it('dry-run under a role that may delete them still lists what would go (no Deny, no probe refusal)', async () => {
    const layer = 'shop-deps';
    const [v1, v2] = [1, 2, 3].map(() => aws.seed.layerVersion(layer, undefined, OUR_LAYER));
    seedStage({ project: 'shop', stage: 'pr-12', gateway: 'none' });
    const logger = new RecordingLogger();
    const deps = { logger, sleep: recordingSleep(), random: () => 1 };
    const listed = await pruneDependencyLayers(aws.clients(), 'shop', true, deps, NOW);
    expect([...listed].sort()).toEqual([v1, v2]);
    expect(logger.text('info')).toContain(`Would delete unused layer version ${v1}.`);
    expect(aws.calls.of({ operation: 'DeleteLayerVersion' })).toHaveLength(0);
  });

  // The real run keeps them only for the role's own Deny (a missing Allow or an SCP's Deny is
  // no answer about DeleteLayerVersion): the probe's refusal counts only when it is that Deny too.
  it.each([
    ['a missing Allow', 'because no identity-based policy allows the lambda:GetFunction action'],
    ['a service control policy', 'with an explicit deny in a service control policy'],
  ])(
    'dry-run whose probe is refused by %s, not a Deny of the role: still lists what would go',
    async (_, why) => {
      const layer = 'shop-deps';
      const [v1, v2] = [1, 2, 3].map(() => aws.seed.layerVersion(layer, undefined, OUR_LAYER));
      seedStage({ project: 'shop', stage: 'pr-12', gateway: 'none' });
      aws.faults.rules.push({
        selector: 'GetFunction',
        kind: 'fail',
        remaining: Number.POSITIVE_INFINITY,
        code: 'AccessDeniedException',
        message: `User: arn:aws:sts::${ACCOUNT_ID}:assumed-role/x/y is not authorized to perform: lambda:GetFunction ${why}`,
        when: ({ input }) => input.FunctionName === 'shop-LambdaDeployProbe',
      });
      const logger = new RecordingLogger();
      const deps = { logger, sleep: recordingSleep(), random: () => 1 };
      const listed = await pruneDependencyLayers(aws.clients(), 'shop', true, deps, NOW);
      expect(aws.calls.of({ operation: 'GetFunction' }).length).toBeGreaterThan(0);
      expect([...listed].sort()).toEqual([v1, v2]);
      expect(logger.text('info')).toContain(`Would delete unused layer version ${v1}.`);
      expect(logger.text('info')).not.toContain('this role may not delete them');
    },
  );

  // The probe is a dry run's only call beyond the real run's reads, and only when some would go.
  it.each([
    ['no version', 0],
    ['only the newest (kept)', 1],
  ])('dry-run with %s of the dependencies layer: no probe, nothing said to go', async (_, count) => {
    for (let i = 0; i < count; i++) aws.seed.layerVersion('shop-deps', undefined, OUR_LAYER);
    seedStage({ project: 'shop', stage: 'pr-12', gateway: 'none' });
    const logger = new RecordingLogger();
    const deps = { logger, sleep: recordingSleep(), random: () => 1 };
    expect(await pruneDependencyLayers(aws.clients(), 'shop', true, deps, NOW)).toEqual([]);
    const probes = aws.calls
      .of({ operation: 'GetFunction' })
      .filter((c) => c.input.FunctionName === 'shop-LambdaDeployProbe');
    expect(probes).toEqual([]);
    expect(logger.text('info')).not.toMatch(/Would delete|stay/);
  });

  it('keeps every version of the dependencies layer while a function of the project cannot be read, and says so', async () => {
    const layer = 'shop-deps';
    const versions = [1, 2, 3].map(() => aws.seed.layerVersion(layer, undefined, OUR_LAYER));
    seedStage({ project: 'shop', stage: 'main', gateway: 'none' });
    seedStage({ project: 'shop', stage: 'pr-12', gateway: 'none' });
    denyProtectedFunctions();
    const logger = new RecordingLogger();
    const deps = { logger, sleep: recordingSleep(), random: () => 1 };
    expect(await pruneDependencyLayers(aws.clients(), 'shop', false, deps, NOW)).toEqual([]);
    expect(logger.text('info')).toContain(
      'Unused versions of the dependencies layer stay: the function shop-main could not be read',
    );
    expect([...aws.account.layers.get(layer)!.versions.values()].map((v) => v.arn)).toEqual(versions);
  });
});
