/**
 * The hole IAM cannot close: the preview role may create `/aws/lambda/{project}-*`
 * tagged for the project, so pull-request code can make the group of a hand-made
 * `shop-legacy` that has never logged, and read what it logs. Prune (production
 * role) takes lambda-deploy's tags off such a group (its logs stay), so the
 * preview role's Untagged Deny covers it again, and warns.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CreateLogGroupCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { seedDeployedStage, tagsFor } from '../../fakes/aws/deployed-stage.js';
import { REGION, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { denyUntaggedFunctions } from '../../fakes/aws/preview-iam.js';
import { makePlan } from '../../src/model/plan.js';
import { runPipeline } from '../../src/pipelines/run-pipeline.js';
import { readSettings } from '../../src/settings/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { eventContext } from '../support/github-context.js';

let aws: FakeAws;
beforeEach(async () => {
  // Two items a page: the listings have to page.
  aws = await startFakeAws({ pageSize: 2 });
});
afterEach(() => aws.close());

const LEGACY = '/aws/lambda/shop-legacy';

async function runPrune(dryRun = false) {
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
    now: () => aws.clock.now(),
    github: { listBranches: async () => ['main'], getPullRequestState: async () => 'open' } as never,
  });
  return { run, logger };
}

/** A pull request's code (preview role) makes the hand-made function's group, tagged as its preview's. */
async function previewClaimsLegacyGroup(): Promise<Date> {
  aws.seed.function('shop-legacy', { tags: { team: 'ops' } });
  // The project's own stages, with their groups: never touched.
  seedDeployedStage(aws, { project: 'shop', stage: 'main', gateway: 'http-api' });
  seedDeployedStage(aws, { project: 'shop', stage: 'pr-3', gateway: 'none', ref: 'pull/3' });
  // A stage's leftover group whose function is gone (undeploy without remove-logs): kept as it is.
  aws.seed.logGroup('/aws/lambda/shop-pr-1', { tags: tagsFor('shop', 'pr-1') });
  denyUntaggedFunctions(aws, 'shop');
  const created = aws.clock.date();
  await aws
    .clients()
    .logs.send(
      new CreateLogGroupCommand({ logGroupName: LEGACY, tags: { ...tagsFor('shop', 'pr-9'), extra: 'x' } }),
    );
  aws.account.logGroups.get(LEGACY)!.events.push({ message: 'password=hunter2' });
  // IAM lets the preview role read it: the hole.
  const read = await aws.clients().logs.send(new FilterLogEventsCommand({ logGroupName: LEGACY }));
  expect(read.events?.map((e) => e.message)).toEqual(['password=hunter2']);
  aws.faults.clear();
  aws.clock.advance(3_600_000);
  return created;
}

const tagsOf = (name: string) => aws.account.logGroups.get(name)?.tags;

describe('prune: log groups of functions lambda-deploy did not make', () => {
  it('takes lambda-deploy’s tags off the group, keeps it and its logs, and warns naming both', async () => {
    const created = await previewClaimsLegacyGroup();
    const before = {
      main: { ...tagsOf('/aws/lambda/shop-main') },
      pr3: { ...tagsOf('/aws/lambda/shop-pr-3') },
      pr1: { ...tagsOf('/aws/lambda/shop-pr-1') },
    };
    const { run, logger } = await runPrune();

    expect(tagsOf(LEGACY)).toEqual({ extra: 'x' });
    expect(aws.account.logGroups.get(LEGACY)!.events.map((e) => e.message)).toEqual(['password=hunter2']);
    expect(tagsOf('/aws/lambda/shop-main')).toEqual(before.main);
    expect(tagsOf('/aws/lambda/shop-pr-3')).toEqual(before.pr3);
    expect(tagsOf('/aws/lambda/shop-pr-1')).toEqual(before.pr1);
    expect(run.failure).toBeUndefined();

    const warning = logger.text('warning');
    expect(warning).toContain(`log group ${LEGACY}`);
    expect(warning).toContain('function shop-legacy');
    expect(warning).toContain(`since ${created.toISOString()}`);
    expect(warning).toMatch(/pull-request job/);
    expect(warning).toMatch(/rotate/i);
    expect(warning).toMatch(/rename/i);
    expect(warning).toMatch(/Removed lambda-deploy's tags/);
    expect(warning).not.toContain('shop-pr-1');
    expect(warning).not.toContain('hunter2');
    // The job summary says it too, where a scheduled run's warnings are easy to miss.
    expect(run.markdown).toContain('**Log groups of functions lambda-deploy did not make**: 1');
    expect(run.markdown).toContain(
      `| \`${LEGACY}\` | \`shop-legacy\` | ${created.toISOString()} | lambda-deploy tags removed |`,
    );
    expect(run.markdown).not.toContain('shop-pr-1');

    // The preview role's Untagged Deny covers the group again.
    denyUntaggedFunctions(aws, 'shop');
    await expect(
      aws.clients().logs.send(new FilterLogEventsCommand({ logGroupName: LEGACY })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('dry run: warns and changes nothing', async () => {
    await previewClaimsLegacyGroup();
    const tags = { ...tagsOf(LEGACY) };
    const { run, logger } = await runPrune(true);
    expect(tagsOf(LEGACY)).toEqual(tags);
    expect(logger.text('warning')).toMatch(
      /Would remove lambda-deploy's tags from log group \/aws\/lambda\/shop-legacy/,
    );
    expect(aws.calls.operations('logs')).not.toContain('UntagResource');
    expect(run.markdown).toContain('lambda-deploy tags would be removed (dry run)');
  });

  it('a role without logs:UntagResource: the warning names the permission, the prune goes on', async () => {
    await previewClaimsLegacyGroup();
    aws.faults.deny('UntagResource');
    const { run, logger } = await runPrune();
    expect(tagsOf(LEGACY)).toMatchObject(tagsFor('shop', 'pr-9'));
    expect(logger.text('warning')).toContain(`log group ${LEGACY}`);
    expect(logger.text('warning')).toContain('logs:UntagResource');
    expect(run.markdown).toMatch(
      /shop-legacy` \| .* \| ❌ tags kept: this role may not remove them \(logs:UntagResource\) \|/,
    );
    expect(run.failure).toBeUndefined();
  });

  it('a function tagged for the project keeps its group’s tags, and nothing is untagged when all is ours', async () => {
    seedDeployedStage(aws, { project: 'shop', stage: 'main', gateway: 'http-api' });
    const { run, logger } = await runPrune();
    expect(aws.calls.operations('logs')).not.toContain('UntagResource');
    expect(logger.text('warning')).toBe('');
    expect(run.markdown).not.toContain('did not make');
  });
});

describe('prune: a log group a pull request made to stop the check', () => {
  it('a group under /aws/lambda/{name}-* that names no possible function is passed over: the claimed group is still released', async () => {
    // The preview role may make any group /aws/lambda/shop-* tagged for the project; log group names
    // take `#`, `.` and `/`, function names do not, and Lambda refuses to look such a name up.
    // Made first, they are listed before the claimed group.
    denyUntaggedFunctions(aws, 'shop');
    for (const name of ['/aws/lambda/shop-#', `/aws/lambda/shop-${'a'.repeat(200)}`])
      await aws
        .clients()
        .logs.send(new CreateLogGroupCommand({ logGroupName: name, tags: tagsFor('shop', 'pr-9') }));
    aws.faults.clear();
    await previewClaimsLegacyGroup();
    const { run, logger } = await runPrune();
    expect(tagsOf(LEGACY)).toEqual({ extra: 'x' });
    expect(logger.text('warning')).toMatch(
      /Removed lambda-deploy's tags from log group \/aws\/lambda\/shop-legacy/,
    );
    expect(logger.text('warning')).not.toMatch(/Could not check/);
    // Nothing to release there: no function can log to them.
    expect(tagsOf('/aws/lambda/shop-#')).toEqual(tagsFor('shop', 'pr-9'));
    expect(run.failure).toBeUndefined();
  });
});

/**
 * The reusable workflow signs prune in with the preview role when the default branch is not a
 * production branch. That role may read no function lambda-deploy did not make (nor a gone one):
 * it cannot tell a claimed group from a removed stage's, and pull-request code, which runs with the
 * same role, may read every group it may. Prune says so once, in the log and the summary.
 */
describe('prune with the preview role: log groups it cannot check', () => {
  const denyProtectedByName = () =>
    aws.faults.denyWhen('*', ({ service, input }) =>
      [input.FunctionName, input.logGroupName, input.logGroupIdentifier, input.resourceArn].some(
        (v) =>
          ['lambda', 'logs'].includes(service) &&
          typeof v === 'string' &&
          /(^|:function:|log-group:)(\/aws\/lambda\/)?shop-main(:|$)/.test(decodeURIComponent(v)),
      ),
    );

  it('one warning naming the groups it could not check, why, and what to do; nothing untagged', async () => {
    await previewClaimsLegacyGroup();
    const before = { ...tagsOf(LEGACY) };
    denyUntaggedFunctions(aws, 'shop');
    denyProtectedByName();
    const { run, logger } = await runPrune();

    expect(tagsOf(LEGACY)).toEqual(before);
    expect(run.failure).toBeUndefined();
    const warnings = logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);
    expect(warnings).toHaveLength(1);
    const [warning] = warnings as [string];
    expect(warning).not.toContain('\n');
    // The claimed group and a removed stage's look alike to this role; main's group it may not read.
    expect(warning).toContain('did not make: 2 tagged for shop');
    expect(warning).toContain(LEGACY);
    expect(warning).toContain('/aws/lambda/shop-pr-1');
    expect(warning).not.toContain('shop-main');
    expect(warning).not.toContain('shop-pr-3');
    expect(warning).toMatch(/not checked/);
    expect(warning).toMatch(/preview role/);
    expect(warning).toMatch(/protected-stages/);
    expect(warning).not.toContain('hunter2');
    expect(run.markdown).toContain('**Log groups not checked for functions lambda-deploy did not make**: 2');
    expect(run.markdown).toContain(`\`${LEGACY}\``);
    expect(aws.calls.operations('logs')).not.toContain('UntagResource');
  });

  it('no warning when every tagged group’s function could be read', async () => {
    seedDeployedStage(aws, { project: 'shop', stage: 'main', gateway: 'none' });
    seedDeployedStage(aws, { project: 'shop', stage: 'pr-3', gateway: 'none', ref: 'pull/3' });
    denyUntaggedFunctions(aws, 'shop');
    denyProtectedByName();
    const { run, logger } = await runPrune();
    expect(logger.text('warning')).toBe('');
    expect(run.markdown).not.toContain('not checked');
  });

  it('the production role reads a function lambda-deploy did not make: no such warning', async () => {
    await previewClaimsLegacyGroup();
    const { logger } = await runPrune();
    expect(logger.text('warning')).not.toMatch(/not checked/);
  });
});
