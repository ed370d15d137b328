import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { depsFor } from '../../fakes/aws/deps.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { runSetup } from '../../src/setup/setup-aws.js';
import { alreadySetUp, overlappingProjects } from '../../src/setup/project-overlap.js';
import { setupDocuments } from '../../src/setup/setup-documents.js';

const docsOf = (project: string) =>
  setupDocuments({ project, region: REGION, accountId: ACCOUNT_ID, repository: `octo/${project}` });

describe('overlappingProjects (pure)', () => {
  const roles = [
    'shop-admin-deploy-preview',
    'shop-admin-deploy-production',
    'sh-deploy-preview',
    'shopping-deploy-preview',
    'shop2-deploy-production',
    'shop-lambda-deploy',
    'shop-deploy-preview',
    'other-role',
  ];
  it('names each project that is this one plus "-…", or of which this one is', () => {
    expect(overlappingProjects('shop', roles)).toEqual(['shop-admin']);
    expect(overlappingProjects('shop-admin-api', roles)).toEqual(['shop', 'shop-admin']);
    expect(overlappingProjects('shopping', roles)).toEqual([]);
    expect(overlappingProjects('sh', roles)).toEqual([]);
  });
  it('knows a project set up before by its own deploy roles', () => {
    expect(alreadySetUp('shop', roles)).toBe(true);
    expect(alreadySetUp('shop-lambda', roles)).toBe(false);
  });
});

describe('setup refuses a project name that overlaps another project in the account', () => {
  let aws: FakeAws;
  beforeEach(async () => {
    aws = await startFakeAws();
  });
  afterEach(() => aws.close());
  const setup = (project: string, dryRun = false) =>
    runSetup(aws.clients(), docsOf(project), { dryRun }, depsFor(aws));

  it('shop after shop-admin, and shop-admin after shop: refused before any write, both ways', async () => {
    await setup('shop-admin');
    aws.calls.clear();
    await expect(setup('shop')).rejects.toThrow(
      '--name shop: the lambda-deploy project shop-admin (role shop-admin-deploy-preview, tags lambda-deploy:name=shop-admin, lambda-deploy:repository=octo/shop-admin) is set up in this account, and the names overlap: shop\'s stage admin-main and shop-admin\'s stage main are both shop-admin-main, so shop\'s preview role (any pull request) could reach shop-admin\'s production log groups, which IAM can scope only by name; expected a name that neither starts with "shop-admin-" nor is the part of "shop-admin" before a hyphen.',
    );
    expect(aws.calls.writes()).toEqual([]);
    await expect(setup('shop', true)).rejects.toThrow(/^--name shop: the lambda-deploy project shop-admin/);

    const other = await startFakeAws();
    try {
      await runSetup(other.clients(), docsOf('shop'), { dryRun: false }, depsFor(other));
      other.calls.clear();
      await expect(
        runSetup(other.clients(), docsOf('shop-admin'), { dryRun: false }, depsFor(other)),
      ).rejects.toThrow(
        /^--name shop-admin: the lambda-deploy project shop \(role shop-deploy-preview, tags lambda-deploy:name=shop, lambda-deploy:repository=octo\/shop\) is set up in this account/,
      );
      expect(other.calls.writes()).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("names each project's deploy role and its owner tags; several projects, each with what to avoid", async () => {
    // Two projects set up before the check existed: only their deploy roles matter here.
    for (const project of ['shop-admin', 'shop'])
      await aws.clients().iam.send(
        new CreateRoleCommand({
          RoleName: `${project}-deploy-preview`,
          AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
          Tags: [
            { Key: 'lambda-deploy:name', Value: project },
            { Key: 'lambda-deploy:repository', Value: `octo/${project}` },
          ],
        }),
      );
    aws.calls.clear();
    const failed = await setup('shop-admin-api').then(
      () => '',
      (error: Error) => error.message,
    );
    expect(failed).toContain(
      '--name shop-admin-api: the lambda-deploy projects shop (role shop-deploy-preview, tags lambda-deploy:name=shop, lambda-deploy:repository=octo/shop) ' +
        'and shop-admin (role shop-admin-deploy-preview, tags lambda-deploy:name=shop-admin, lambda-deploy:repository=octo/shop-admin) are set up in this account',
    );
    expect(failed).toContain(
      'expected a name that neither starts with "shop-" or "shop-admin-" nor is the part of one of them before a hyphen.',
    );
    expect(aws.calls.writes()).toEqual([]);
  });

  it("a deploy role's tags that cannot be read: a warning naming the role and the permission, not a silent pass", async () => {
    await setup('shop-admin');
    aws.faults.deny('ListRoleTags');
    const deps = depsFor(aws);
    await runSetup(aws.clients(), docsOf('shop'), { dryRun: true }, deps);
    expect(deps.logger.lines.filter((l) => l.level === 'warning').map((l) => l.message)).toEqual([
      expect.stringMatching(
        /^Could not check that the projects of shop-admin-deploy-preview and shop-admin-lambda-deploy-preview do not overlap shop's \(their tags could not be read\): .*iam:ListRoleTags/,
      ),
    ]);
  });

  it('names that only look alike (shopping), and a role of that name someone else made, are no overlap', async () => {
    await setup('shopping');
    // Not lambda-deploy's: no lambda-deploy:name tag.
    await aws.clients().iam.send(
      new CreateRoleCommand({
        RoleName: 'shop-admin-deploy-preview',
        AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
      }),
    );
    const deps = depsFor(aws);
    await runSetup(aws.clients(), docsOf('shop'), { dryRun: false }, deps);
    expect(deps.logger.lines.filter((l) => l.level === 'warning')).toEqual([]);
    expect(aws.account.roles.has('shop-deploy-preview')).toBe(true);
  });

  it('two projects set up before the check: a warning that says to rename one, and setup goes on', async () => {
    await setup('shop-admin');
    // shop's roles as an older setup left them: the overlap is there already.
    const tags = [{ Key: 'lambda-deploy:name', Value: 'shop' }];
    await aws.clients().iam.send(
      new CreateRoleCommand({
        RoleName: 'shop-deploy-preview',
        AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
        Tags: tags,
      }),
    );
    const deps = depsFor(aws);
    await expect(runSetup(aws.clients(), docsOf('shop'), { dryRun: true }, deps)).resolves.toBeDefined();
    expect(deps.logger.lines.filter((l) => l.level === 'warning').map((l) => l.message)).toEqual([
      expect.stringMatching(
        /^--name shop: the lambda-deploy project shop-admin \(role shop-admin-deploy-preview, .*\) is set up .*\. Both are set up already; rename one of them/,
      ),
    ]);
  });
});
