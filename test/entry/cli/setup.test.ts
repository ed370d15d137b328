/**
 * The CLI's `setup`, as a user runs it. The AWS logic of setup is tested against a
 * stateful fake in test/setup; here: the flags, what is printed, and that a dry run
 * writes nothing. What setup does with GitHub: setup-github.test.ts.
 */
import { describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetRoleCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
} from '@aws-sdk/client-iam';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { parse } from 'yaml';
import { main } from '../../../src/entry/cli/cli.js';
import { branchesNotStages, previewStatementsNote } from '../../../src/entry/cli/commands/setup.js';
import { startGitHubServer } from '../../support/github-server.js';
import { testIo } from './io.js';
import { branchStage } from '../../../src/model/stage-name.js';
import { tableStatements } from '../../support/table-statements.js';
import { env, iam, s3, setupCli, sts, tempRepo } from './setup-cli.js';

let [stdout, stderr] = ['', ''];
/** Runs the CLI; what it printed is added to stdout and stderr, which are emptied before each test. */
const cli = setupCli({
  reset: () => ([stdout, stderr] = ['', '']),
  add: (out, err) => ([stdout, stderr] = [stdout + out, stderr + err]),
});

describe('lambda-deploy setup', () => {
  test('--dry-run prints each change and the two role ARNs it would create first, then a line per document (statements, size against its limit), and makes no write call', async () => {
    const code = await cli(['setup', '--name=shop', '--repository=octo/shop', '--dry-run']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(stdout).toMatch(/^\+ would create OIDC provider token\.actions\.githubusercontent\.com/m);
    expect(stdout).toMatch(/^\+ would create role shop-deploy-preview/m);
    // No write of any kind: only reads reached AWS.
    const sent = [...iam.calls(), ...s3.calls()].map((c) => (c.args[0] as object).constructor.name);
    expect(sent.filter((name) => !/^(Get|List|Head)/.test(name))).toEqual([]);
    expect(sent).toContain('GetRoleCommand');
    // The plan is what a reader wants first: ~940 lines of JSON would drown it.
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^\+ would create OIDC provider /);
    const planEnd = lines.findIndex((line) => line.startsWith('#'));
    const plan = lines.slice(0, planEnd);
    expect(plan).toContain('Dry run: 15 changes listed, none made.');
    // Not made yet: the ARNs are what setup would create, not roles that exist.
    expect(plan).toContain(
      'production-role: arn:aws:iam::123456789012:role/shop-deploy-production (would be created)',
    );
    expect(plan).toContain(
      'preview-role: arn:aws:iam::123456789012:role/shop-deploy-preview (would be created)',
    );
    expect(lines[planEnd]).toBe(
      '# The documents setup would write (add --documents to print them in full); sizes as IAM counts them, without white space:',
    );
    const summary = lines.slice(planEnd + 1).filter(Boolean);
    expect(summary).toHaveLength(11);
    for (const line of [
      /^ {2}Production deploy role shop-deploy-production: trust policy: \d+ statements?, [\d,]+ of 2,048 characters$/,
      /^ {2}Preview deploy role shop-deploy-preview: inline policy lambda-deploy: \d+ statements, [\d,]+ of 10,240 characters$/,
      /^ {2}Permissions boundary shop-lambda-deploy-boundary \(of the production execution role\): \d+ statements, [\d,]+ of 6,144 characters$/,
      /^ {2}Preview execution role shop-lambda-deploy-preview: inline policy lambda-deploy: \d+ statements?, [\d,]+ of 10,240 characters$/,
      /^ {2}Artifact bucket lambda-deploy-123456789012-eu-west-1: bucket policy: 1 statement, [\d,]+ of 20,480 characters$/,
    ])
      expect(summary).toContainEqual(expect.stringMatching(line));
    expect(stdout).not.toContain('"Statement"');
    expect(lines.length).toBeLessThan(40);
  });

  test('--dry-run --documents: the plan first, then every document in full', async () => {
    const code = await cli(['setup', '--name=shop', '--repository=octo/shop', '--dry-run', '--documents']);
    expect(code).toBe(0);
    for (const title of [
      '# Production deploy role shop-deploy-production: trust policy',
      '# Preview deploy role shop-deploy-preview: inline policy lambda-deploy',
      '# Permissions boundary shop-lambda-deploy-boundary',
      '# Preview execution role shop-lambda-deploy-preview: inline policy lambda-deploy',
      '# Artifact bucket lambda-deploy-123456789012-eu-west-1: bucket policy',
    ])
      expect(stdout).toContain(title);
    const lines = stdout.split('\n');
    const planEnd = lines.findIndex((line) => line.startsWith('#'));
    expect(lines[planEnd]).toBe('# The documents setup would write:');
    expect(stdout.indexOf('# Production deploy role')).toBeGreaterThan(stdout.indexOf('preview-role: '));
    expect(stdout).toContain('"Statement"');
  });

  test('--documents without --dry-run is a usage error (setup prints no documents while it writes them)', async () => {
    expect(await cli(['setup', '--name=shop', '--repository=octo/shop', '--documents'])).toBe(2);
    expect(stderr).toContain('--documents: only with --dry-run');
    const sent = [...iam.calls(), ...s3.calls()].map((c) => (c.args[0] as object).constructor.name);
    expect(sent.filter((name) => !/^(Get|List|Head)/.test(name))).toEqual([]);
  });

  test('without --owner-id/--repo-id and no answer from GitHub: a warning that a repository created or renamed since 15 July 2026 could not sign in, with the command for the ids', async () => {
    expect(await cli(['setup', '--name=shop', '--repository=octo/shop', '--dry-run'])).toBe(0);
    expect(stderr).toContain(
      '--owner-id/--repo-id: not given and not read from GitHub (GET https://api.github.com/repos/octo/shop failed: ',
    );
    expect(stderr).toContain(
      "(ENETUNREACH)), so the deploy roles trust only GitHub's classic sub form (repo:octo/shop:...). " +
        'Repositories created, renamed or transferred since 15 July 2026 send repo:OWNER@ID/REPO@ID:... instead, and their workflows could not sign in. ' +
        "Add --owner-id and --repo-id (gh api repos/octo/shop --jq '.owner.id, .id'): both forms are then trusted.",
    );
    stderr = '';
    const ids = ['--owner-id=1234567', '--repo-id=89012345'];
    expect(await cli(['setup', '--name=shop', '--repository=octo/shop', '--dry-run', ...ids])).toBe(0);
    expect(stderr).not.toContain('--owner-id/--repo-id');
  });

  test('without --owner-id/--repo-id: the ids read from GitHub (with GH_TOKEN), both sub forms trusted, no warning', async () => {
    const github = await startGitHubServer({
      repository: 'octo/shop',
      token: 'gho_reader',
      ids: { owner: 1342004, repository: 987654321 },
      // An environment only main may deploy to: setup trusts it (a missing one stops setup).
      environments: {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }],
        },
      },
    });
    const apiUrl = github.url;
    try {
      const io = testIo({ ...env, GITHUB_API_URL: apiUrl, GH_TOKEN: 'gho_reader' }, fetch);
      const argv = ['setup', '--name=shop', '--repository=octo/shop', '--dry-run', '--documents'];
      expect(await main(argv, io)).toBe(0);
      expect(github.state.requests).toContainEqual({
        path: '/api/v3/repos/octo/shop',
        authorization: 'Bearer gho_reader',
      });
      expect(io.stderr()).not.toContain('--owner-id/--repo-id: not given');
      expect(io.stderr()).toContain(
        'Read from GitHub: octo/shop is owner 1342004, repository 987654321 (--owner-id/--repo-id): the deploy roles trust both sub forms',
      );
      expect(io.stdout()).toContain('repo:octo@1342004/shop@987654321:pull_request');
      expect(io.stdout()).toContain('repo:octo/shop:pull_request');
      // Typed as the clone URL had it: the trust takes GitHub's spelling, which its tokens carry.
      const typed = testIo({ ...env, GITHUB_API_URL: apiUrl }, fetch);
      expect(
        await main(['setup', '--name=shop', '--repository=Octo/Shop', '--dry-run', '--documents'], typed),
      ).toBe(0);
      expect(typed.stderr()).toContain(
        'GitHub spells the repository octo/shop, as its tokens do: the trust policies use that spelling (IAM compares it case by case), not Octo/Shop.',
      );
      expect(typed.stdout()).toContain('repo:octo/shop:pull_request');
      expect(typed.stdout()).not.toContain('repo:Octo/Shop');
    } finally {
      await github.close();
    }
  });

  test('credentials that may not read IAM: exit 1, naming the permission they lack (not the deploy role)', async () => {
    const denied = Object.assign(new Error('User: arn:aws:iam::123456789012:user/dev is not authorized'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    iam.on(GetRoleCommand).rejects(denied);
    const code = await cli(['setup', '--name=shop', '--repository=octo/shop', '--dry-run']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/Your AWS credentials need iam:GetRole\./);
    expect(stderr).not.toMatch(/deploy role needs/);
  });

  test('credentials AWS refuses: the advice is for a terminal (a profile or keys), not the action', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('The security token included in the request is invalid.'), {
        name: 'InvalidClientTokenId',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    expect(await cli(['setup', '--name=shop', '--repository=octo/shop', '--dry-run'])).toBe(1);
    // Found, sent and refused: what is wrong (the key id), then a terminal's ways, the template's too.
    expect(stderr).toContain(
      "AWS refused the credentials: the access key id is not known in this account's partition",
    );
    expect(stderr).toMatch(
      /Check AWS_ACCESS_KEY_ID or the profile \(AWS_PROFILE\); set AWS_PROFILE .*setup --cloudformation/,
    );
    expect(stderr).not.toMatch(/configure role-to-assume|aws-actions\/configure-aws-credentials/);
  });

  test('no AWS credentials: setup says --cloudformation --account ID needs none (a template for an administrator)', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    expect(await cli(['setup', '--name=shop', '--repository=octo/shop'])).toBe(1);
    expect(stderr).toContain(
      'Could not find AWS credentials: Could not load credentials from any providers; set AWS_PROFILE',
    );
    expect(stderr).toContain(
      '; or, with no credentials at all, setup --cloudformation --account ID prints the same resources as a CloudFormation template to hand to an administrator',
    );
  });

  test('--previous-repository: the old name the deploy roles carry after a rename; checked as owner/repo', async () => {
    const tags = [
      { Key: 'lambda-deploy:name', Value: 'shop' },
      { Key: 'lambda-deploy:repository', Value: 'octo/old-shop' },
    ];
    for (const kind of ['production', 'preview'])
      iam.on(GetRoleCommand, { RoleName: `shop-deploy-${kind}` }).resolves({
        Role: {
          RoleName: `shop-deploy-${kind}`,
          Arn: `arn:aws:iam::123456789012:role/shop-deploy-${kind}`,
          Path: '/',
          RoleId: 'AROAEXAMPLE',
          CreateDate: new Date(0),
          AssumeRolePolicyDocument: '{}',
          Tags: tags,
        },
      });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['lambda-deploy'], IsTruncated: false });
    // The stages deployed before the rename: looked for once the roles are moved, and named.
    const tagging = mockClient(ResourceGroupsTaggingAPIClient);
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [{ ResourceARN: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-main' }],
      PaginationToken: '',
    });
    const args = ['setup', '--name=shop', '--repository=octo/shop', '--dry-run'];
    expect(await cli(args)).toBe(1);
    expect(stderr).toContain('run setup again with --previous-repository octo/old-shop');
    expect(await cli([...args, '--previous-repository=octo/old-shop'])).toBe(0);
    expect(stdout).toMatch(/^~ would update role shop-deploy-preview: tags lambda-deploy:repository$/m);
    expect(tagging).toHaveReceivedCommandWith(GetResourcesCommand, {
      TagFilters: [
        { Key: 'lambda-deploy:name', Values: ['shop'] },
        { Key: 'lambda-deploy:repository', Values: ['octo/old-shop'] },
      ],
    });
    expect(stderr).toContain('--resource-arn-list arn:aws:lambda:eu-west-1:123456789012:function:shop-main');
    tagging.restore();
    expect(await cli([...args, '--previous-repository=old-shop'])).toBe(2);
    expect(stderr).toContain(
      '--previous-repository: "old-shop" is not valid; expected the old owner/repo, like octo/old-shop',
    );
  });

  test('--cloudformation --account needs no AWS call and prints a template that parses', async () => {
    expect(
      await cli([
        'setup',
        '--name=shop',
        '--repository=octo/shop',
        '--cloudformation',
        '--account=123456789012',
      ]),
    ).toBe(0);
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
    const template = parse(stdout) as { Resources: Record<string, { Type: string }> };
    expect(
      Object.values(template.Resources)
        .map((r) => r.Type)
        .sort(),
    ).toEqual([
      'AWS::IAM::ManagedPolicy',
      'AWS::IAM::OIDCProvider',
      'AWS::IAM::Role',
      'AWS::IAM::Role',
      'AWS::IAM::Role',
      'AWS::IAM::Role',
      'AWS::S3::Bucket',
      'AWS::S3::BucketPolicy',
    ]);
  });

  test('--cloudformation refuses a name that overlaps a project set up in the account, as setup does', async () => {
    const role = (name: string) => ({
      RoleName: name,
      Arn: `arn:aws:iam::123456789012:role/${name}`,
      Path: '/',
      RoleId: 'AROAEXAMPLE',
      CreateDate: new Date(0),
    });
    iam.on(ListRolesCommand).resolves({
      Roles: [role('shop-admin-deploy-production'), role('shop-admin-deploy-preview')],
      IsTruncated: false,
    });
    iam.on(ListRoleTagsCommand, { RoleName: 'shop-admin-deploy-preview' }).resolves({
      Tags: [
        { Key: 'lambda-deploy:name', Value: 'shop-admin' },
        { Key: 'lambda-deploy:repository', Value: 'octo/shop-admin' },
      ],
    });
    expect(await cli(['setup', '--name=shop', '--repository=octo/shop', '--cloudformation'])).toBe(1);
    expect(stderr).toContain(
      "--name shop: the lambda-deploy project shop-admin (role shop-admin-deploy-preview, tags lambda-deploy:name=shop-admin, lambda-deploy:repository=octo/shop-admin) is set up in this account, and the names overlap: shop's stage admin-main and shop-admin's stage main are both shop-admin-main",
    );
    expect(stdout).not.toContain('AWS::IAM::Role');
  });

  test('--cloudformation --account and policy, which ask AWS nothing, say the overlap check was not made and how to make it', async () => {
    const note =
      "No lambda-deploy project whose name overlaps shop's (shop-…, or the part of shop before a hyphen) may share this account: " +
      "their function and log group names would collide, and a deploy role may read the other's log groups, which IAM scopes only by name. " +
      'Offline, that was not checked: aws iam list-roles --query "Roles[?ends_with(RoleName, \'-deploy-preview\')].RoleName" lists the projects set up.';
    const offline = ['--name=shop', '--repository=octo/shop', '--account=123456789012'];
    expect(await cli(['setup', ...offline, '--cloudformation'])).toBe(0);
    expect(stderr).toContain(note);
    stderr = '';
    expect(await cli(['policy', ...offline, '--owner-id=1', '--repo-id=2'])).toBe(0);
    expect(stderr).toContain(note);
    expect(iam.calls()).toEqual([]);
  });

  test('--policy-statements reads a file; a bad one and a missing --repository are clear usage errors', async () => {
    const dir = tempRepo();
    const file = join(dir, 'statements.json');
    writeFileSync(file, JSON.stringify([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }]));
    expect(
      await cli([
        'setup',
        '--name=shop',
        '--repository=octo/shop',
        '--cloudformation',
        '--account=123456789012',
        `--policy-statements=${file}`,
      ]),
    ).toBe(0);
    expect(stdout).toContain('dynamodb:GetItem');
    expect(
      await cli([
        'setup',
        '--name=shop',
        '--repository=octo/shop',
        `--policy-statements=${join(dir, 'none.json')}`,
      ]),
    ).toBe(2);
    expect(stderr).toMatch(/--policy-statements: ".*none\.json" is neither JSON nor a readable file/);
    expect(await cli(['setup', '--name=shop', '--dry-run'])).toBe(2);
    expect(stderr).toMatch(/--repository: expected the GitHub repository/);
  });

  test('--preview-policy-statements: the preview execution role only; a bad one stops setup before any AWS call, named by its flag', async () => {
    const dir = tempRepo();
    const production = join(dir, 'production.json');
    const preview = join(dir, 'preview.json');
    writeFileSync(
      production,
      JSON.stringify([
        {
          Sid: 'Orders',
          Effect: 'Allow',
          Action: 'dynamodb:PutItem',
          Resource: 'arn:aws:dynamodb:*:*:table/orders',
        },
      ]),
    );
    writeFileSync(
      preview,
      JSON.stringify([
        {
          Sid: 'Staging',
          Effect: 'Allow',
          Action: 'dynamodb:PutItem',
          Resource: 'arn:aws:dynamodb:*:*:table/orders-staging',
        },
      ]),
    );
    const offline = [
      'setup',
      '--name=shop',
      '--repository=octo/shop',
      '--cloudformation',
      '--account=123456789012',
    ];
    expect(
      await cli([...offline, `--policy-statements=${production}`, `--preview-policy-statements=${preview}`]),
    ).toBe(0);
    const template = parse(stdout) as {
      Resources: Record<
        string,
        { Properties: { Policies?: { PolicyDocument: unknown }[]; PolicyDocument?: unknown } }
      >;
    };
    const text = (id: string) => JSON.stringify(template.Resources[id]!.Properties);
    expect(text('ProductionExecutionRole')).toContain('table/orders"');
    expect(text('ProductionExecutionRole')).not.toContain('orders-staging');
    expect(text('PreviewExecutionRole')).toContain('orders-staging');
    expect(text('PreviewExecutionRole')).not.toContain('table/orders"');

    writeFileSync(preview, JSON.stringify([{ Sid: 'Staging', Effect: 'Allow', Action: 'dynamodb:PutItem' }]));
    expect(
      await cli(['setup', '--name=shop', '--repository=octo/shop', `--preview-policy-statements=${preview}`]),
    ).toBe(2);
    expect(stderr).toContain('--preview-policy-statements: statement 1 (Staging) has no Resource; expected');
    expect(
      await cli([
        'setup',
        '--name=shop',
        '--repository=octo/shop',
        `--preview-policy-statements=${join(dir, 'none.json')}`,
      ]),
    ).toBe(2);
    expect(stderr).toMatch(/--preview-policy-statements: ".*none\.json" is neither JSON nor a readable file/);
    for (const m of [iam, s3, sts]) expect(m.calls()).toHaveLength(0);
  });

  test('a protected branch that is not a protected stage is warned about: its pushes would go to the preview job', () => {
    expect(branchesNotStages(undefined, ['main', 'master', 'prod', 'production'])).toBeUndefined();
    expect(branchesNotStages(['main', 'release'], ['main', 'master'])).toBe(
      '--protected-branches: release is not among the protected stages (main, master): the reusable workflow deploys a push there as a preview, and the preview role does not trust such a push. Add it to --protected-stages, and to the protected-stages input of your workflow.',
    );
    expect(branchesNotStages(undefined, ['prod'])).toMatch(
      /^--protected-branches: main, master are not among/,
    );
    // --protected-stages release/1.x is read as that branch's stage (release-1-x-<hash>): the branch is among them.
    expect(branchesNotStages(['main', 'release/1.x'], ['main', branchStage('release/1.x')])).toBeUndefined();
  });

  test("what previews run with is said after setup: none of production's statements, or the preview ones", () => {
    const statement = { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' };
    expect(previewStatementsNote(undefined, undefined)).toBeUndefined();
    expect(previewStatementsNote([statement], undefined)).toBe(
      "The preview execution role gets none of --policy-statements: pull requests' code cannot use production's grants. Give previews their own (a staging table, say) with --preview-policy-statements.",
    );
    expect(previewStatementsNote([statement], [statement, statement])).toMatch(
      /^Previews \(any pull request's code\) run with the 2 statements of --preview-policy-statements:/,
    );
  });

  test('--policy-statements that IAM would refuse stops setup before any AWS call', async () => {
    const file = join(tempRepo(), 'statements.json');
    // A statement without Resource: IAM refuses it only when a policy holding it is written, after setup made the OIDC provider.
    writeFileSync(file, JSON.stringify([{ Sid: 'Orders', Effect: 'Allow', Action: 'dynamodb:GetItem' }]));
    const code = await cli(['setup', '--name=shop', '--repository=octo/shop', `--policy-statements=${file}`]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('policy-statements: statement 1 (Orders) has no Resource; expected');
    for (const m of [iam, s3, sts]) expect(m.calls()).toHaveLength(0);
  });

  test('documents over IAM size quotas stop setup (and --cloudformation) with exit 2, before any IAM or S3 call', async () => {
    const file = join(tempRepo(), 'statements.json');
    writeFileSync(file, JSON.stringify(tableStatements(40)));
    const args = ['setup', '--name=shop', '--repository=octo/shop', `--policy-statements=${file}`];
    expect(await cli(args)).toBe(2);
    expect(stderr).toMatch(
      /policy-statements: the permissions boundary shop-lambda-deploy-boundary would be [\d,]+ characters .* over IAM's limit for a managed policy, 6,144;/,
    );
    expect(await cli([...args, '--cloudformation', '--account=123456789012'])).toBe(2);
    expect(stdout).toBe('');
    for (const m of [iam, s3]) expect(m.calls()).toHaveLength(0);
  });
});
