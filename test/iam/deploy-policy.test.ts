import { describe, expect, it } from '@jest/globals';
import { deployPolicyNotes } from '../../src/iam/deploy-policy-notes.js';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { executionRolePolicy } from '../../src/resources/execution-role/execution-policy.js';
import { managedExecutionRoleName } from '../../src/iam/execution-role-statements.js';
import { oidcTrustPolicy } from '../../src/iam/trust-policy.js';
import { evaluate, isAllowed } from '../support/policy-check.js';
import { policySize } from '../../src/model/policy-document.js';
import { excludedSubjects, trustedSubjects, trustPolicyNotes } from '../../src/iam/trust-policy.js';
import { executionRoleName, executionPolicy } from '../../src/resources/execution-role/execution-role.js';

/**
 * Room left under IAM's quota in the largest case (five attached layers of 60-character names on
 * top of setup's largest, test/setup/document-sizes.test.ts): a role's other inline policies share it.
 */
const POLICY_ROOM = 150;

const base = {
  project: 'shop',
  region: 'eu-west-1',
  accountId: '123456789012',
  managesExecutionRole: true,
} as const;

describe('deployRolePolicy', () => {
  it.each(['production', 'preview'] as const)('groups the %s role statements under unique Sids', (role) => {
    const doc = deployRolePolicy({
      ...base,
      gateway: 'all',
      keepWarm: true,
      layers: true,
      provisionedConcurrency: true,
      role,
      repository: 'octo/shop',
    });
    const sids = doc.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    const shared = [
      'ProjectFunctions',
      'CreateAsOurs',
      'Unconditional',
      'NoResource',
      'Artifacts',
      'PassExecutionRole',
      'FrontDoors',
      'DependenciesLayer',
      'OtherProjects',
      'OtherRepositories',
    ];
    const own =
      role === 'production'
        ? ['ExecutionRoleUnderBoundary', 'KeepTheBoundary']
        : [
            'Invokers',
            'ProtectedStages',
            'ProtectedStageTags',
            'NoProtectedStageTags',
            'NoApiTagsOrKeys',
            'OnlyOurTagKeys',
            'NoIamWrites',
            'NotProductionExecutionRole',
          ];
    expect(sids).toEqual(expect.arrayContaining([...shared, ...own]));
    expect(doc.Version).toBe('2012-10-17');
  });

  it('names match what the aws modules create', () => {
    expect(managedExecutionRoleName('shop')).toBe(executionRoleName('shop'));
    expect(managedExecutionRoleName('a'.repeat(40))).toBe(executionRoleName('a'.repeat(40)));
  });

  it.each(['production', 'preview'] as const)(
    'the %s role writes only the project’s own dependencies layer, not every layer named {project}-*',
    (role) => {
      const doc = deployRolePolicy({
        ...base,
        gateway: 'http-api',
        layers: true,
        role,
        repository: 'octo/shop',
      });
      const layer = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:layer:${name}`;
      // Deleting a version: prune's, the production role's only (test/iam/preview-layer-deletes.test.ts).
      for (const action of [
        'lambda:PublishLayerVersion',
        'lambda:DeleteLayerVersion',
        'lambda:GetLayerVersion',
      ]) {
        const own = role === 'production' || action !== 'lambda:DeleteLayerVersion';
        expect(isAllowed(doc, action, `${layer('shop-deps')}:3`)).toBe(own);
        // The user's own layer, and another lambda-deploy project's (shop-admin): not ours to change.
        expect(isAllowed(doc, action, `${layer('shop-common')}:3`)).toBe(false);
        expect(isAllowed(doc, action, `${layer('shop-admin-deps')}:3`)).toBe(false);
      }
      expect(isAllowed(doc, 'lambda:ListLayerVersions', layer('shop-deps'))).toBe(true);
      expect(isAllowed(doc, 'lambda:ListLayerVersions', layer('shop-admin-deps'))).toBe(false);
    },
  );

  it('adds GetLayerVersion on the layers the function attaches', () => {
    const layer = 'arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-python-amd64-ver-1-25-0:1';
    const doc = deployRolePolicy({ ...base, gateway: 'http-api', attachedLayers: [layer] });
    expect(isAllowed(doc, 'lambda:GetLayerVersion', layer)).toBe(true);
    expect(isAllowed(doc, 'lambda:GetLayerVersion', `${layer.slice(0, -1)}2`)).toBe(false);
  });

  // The longest region of each partition; ARNs name the partition, so GovCloud's are the longest.
  const partitions = [
    ['aws', 'ap-southeast-2'],
    ['aws-us-gov', 'us-gov-west-1'],
    ['aws-cn', 'cn-northwest-1'],
  ] as const;
  it.each(
    partitions.flatMap(([partition, region]) =>
      (['production', 'preview'] as const).map((role) => [partition, region, role] as const),
    ),
  )(
    `%s (%s): the %s role fits IAM's 10,240 characters for a role's inline policies with ${POLICY_ROOM.toLocaleString('en-US')} to spare, in the largest case`,
    (partition, region, role) => {
      const doc = deployRolePolicy({
        role,
        // GitHub's longest owner (39) and repository (100) names; the longest project name `name` takes.
        repository: `${'o'.repeat(39)}/${'r'.repeat(100)}`,
        ...base,
        project: 'a'.repeat(40),
        region,
        partition,
        gateway: 'all',
        bucket: 'b'.repeat(63),
        keepWarm: true,
        layers: true,
        provisionedConcurrency: true,
        // The five a function may have.
        attachedLayers: [1, 2, 3, 4, 5].map(
          (n) => `arn:${partition}:lambda:${region}:123456789012:layer:${'l'.repeat(60)}:${n}`,
        ),
      });
      expect(policySize(doc)).toBeLessThanOrEqual(10_240 - POLICY_ROOM);
    },
  );

  it('only the production role may take lambda-deploy tags off a project log group (prune, claimed groups)', () => {
    const group = 'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-legacy';
    const tagged = { 'aws:ResourceTag/lambda-deploy:name': 'shop' };
    const untag = (role: 'production' | 'preview', arn = group, context = tagged) =>
      isAllowed(deployRolePolicy({ ...base, role, gateway: 'none' }), 'logs:UntagResource', arn, context);
    expect(untag('production')).toBe(true);
    expect(untag('preview')).toBe(false);
    expect(untag('production', group, { 'aws:ResourceTag/lambda-deploy:name': 'billing' })).toBe(false);
    expect(untag('production', group.replace('shop-legacy', 'billing-legacy'))).toBe(false);
  });

  it('writes ARNs of other partitions', () => {
    const doc = deployRolePolicy({ ...base, region: 'cn-north-1', gateway: 'none', partition: 'aws-cn' });
    expect(
      isAllowed(doc, 'lambda:GetFunction', 'arn:aws-cn:lambda:cn-north-1:123456789012:function:shop-main'),
    ).toBe(true);
  });

  it('notes say what the policy does not cover', () => {
    expect(deployPolicyNotes({ ...base, gateway: 'function-url' }).join('\n')).toMatch(/gateway "all"/);
    expect(deployPolicyNotes({ ...base, gateway: 'none', managesExecutionRole: false }).join('\n')).toMatch(
      /every role/,
    );
  });

  it('the preview role notes that provisioned concurrency is not its to set', () => {
    const said =
      "Preview role: no lambda:PutProvisionedConcurrencyConfig: it takes from the account's unreserved concurrency, which production's functions share. It may read and remove it; provisioned-concurrency is for stages deployed with the production role.";
    expect(
      deployPolicyNotes({ ...base, gateway: 'none', provisionedConcurrency: true, role: 'preview' }),
    ).toContain(said);
    expect(
      deployPolicyNotes({ ...base, gateway: 'none', provisionedConcurrency: true, role: 'production' }),
    ).not.toContain(said);
  });

  it('the preview role notes that keep-warm rules are not its to make', () => {
    const said =
      "Preview role: no events:PutRule, PutTargets or TagResource: IAM cannot limit a rule's targets, so a pull request could send chosen events to production's queues. It may find and remove its own rules; keep-warm is for stages deployed with the production role.";
    expect(deployPolicyNotes({ ...base, gateway: 'none', keepWarm: true, role: 'preview' })).toContain(said);
    expect(deployPolicyNotes({ ...base, gateway: 'none', keepWarm: true, role: 'production' })).not.toContain(
      said,
    );
  });

  it('the preview role notes that API keys and usage plans are not its to make', () => {
    const said =
      "Preview role: no usage plan or API key writes (create, change, link): IAM cannot check which key or API stage a link names, so a pull request could link production's key to its own plan and read it. It may read and delete its own; api-key: true is for stages deployed with the production role.";
    expect(deployPolicyNotes({ ...base, gateway: 'rest-api', role: 'preview' })).toContain(said);
    expect(deployPolicyNotes({ ...base, gateway: 'http-api', role: 'preview' })).not.toContain(said);
    expect(deployPolicyNotes({ ...base, gateway: 'all', role: 'production' })).not.toContain(said);
  });

  it("the preview role notes that a stage's access log destination is not its to set", () => {
    const said =
      "Preview role: no stage access log destination (apigateway:Request/AccessLoggingDestination): API Gateway writes a stage's access log into any log group, production's too. lambda-deploy sets none; access logs you add yourself are for stages deployed with the production role.";
    expect(deployPolicyNotes({ ...base, gateway: 'http-api', role: 'preview' })).toContain(said);
    expect(deployPolicyNotes({ ...base, gateway: 'function-url', role: 'preview' })).not.toContain(said);
    expect(deployPolicyNotes({ ...base, gateway: 'all', role: 'production' })).not.toContain(said);
  });

  it('the preview role notes that it deletes no layer version, so its prune keeps them', () => {
    const said =
      "Preview role: no lambda:DeleteLayerVersion: production's functions attach the dependencies layer's versions too. Its prune keeps them; prune with the production role removes those no function uses.";
    expect(deployPolicyNotes({ ...base, gateway: 'none', layers: true, role: 'preview' })).toContain(said);
    expect(deployPolicyNotes({ ...base, gateway: 'none', role: 'preview' })).not.toContain(said);
    expect(deployPolicyNotes({ ...base, gateway: 'none', layers: true, role: 'production' })).not.toContain(
      said,
    );
  });

  it('a preview role that passes a given execution-role-arn says pull-request code runs as that role', () => {
    const role = 'arn:aws:iam::123456789012:role/shop-functions';
    const given = { ...base, gateway: 'all', managesExecutionRole: false, executionRoleArn: role } as const;
    expect(deployPolicyNotes({ ...given, role: 'preview' }).join('\n')).toContain(
      `Preview role: may pass the execution role ${role}, so code from a pull request runs with its permissions`,
    );
    expect(deployPolicyNotes({ ...given, role: 'production' }).join('\n')).not.toContain(
      'Preview role: may pass',
    );
    expect(deployPolicyNotes({ ...base, gateway: 'all', role: 'preview' }).join('\n')).not.toContain(
      'Preview role: may pass',
    );
  });

  it('refuses a preview policy that would pass every role of the account (no execution role named, none managed)', () => {
    const open = { ...base, gateway: 'all', managesExecutionRole: false } as const;
    expect(() => deployRolePolicy({ ...open, role: 'preview' })).toThrow(
      /preview role.*execution-role-arn.*iam:PassRole on every role/,
    );
    const production = deployRolePolicy({ ...open, role: 'production' });
    expect(production.Statement.find((s) => s.Sid === 'PassExecutionRole')?.Resource).toBe(
      'arn:*:iam::123456789012:role/*',
    );
  });

  it("a note when the policy is over IAM's 10,240 characters for a role's inline policies", () => {
    const stages = (n: number) => ['main', ...Array.from({ length: n - 1 }, (_, i) => `release-${i + 1}`)];
    const preview = (n: number) =>
      deployPolicyNotes({
        ...base,
        // As setup makes it.
        gateway: 'all',
        keepWarm: true,
        provisionedConcurrency: true,
        layers: true,
        repository: 'octo/shop',
        role: 'preview',
        protectedStages: stages(n),
      });
    expect(preview(13).join('\n')).not.toMatch(/10,240/);
    expect(preview(16).at(-1)).toMatch(
      /^protected-stages: this permissions policy would be 10,\d{3} characters \(IAM counts them without white space\), over IAM's limit for a role's inline policies, 10,240; IAM refuses it; each protected stage makes it longer, name fewer\.$/,
    );
  });
});

describe('oidcTrustPolicy', () => {
  it('trusts branch pushes (and deletes, on the default branch) and pull requests, audience sts.amazonaws.com', () => {
    const doc = oidcTrustPolicy({ repository: 'octo-org/shop', accountId: '123456789012' });
    expect(doc).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'GitHubActionsDeploy',
          Effect: 'Allow',
          Principal: {
            Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
          },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
            StringLike: {
              'token.actions.githubusercontent.com:sub': [
                'repo:octo-org/shop:ref:refs/heads/*',
                'repo:octo-org/shop:pull_request',
              ],
            },
          },
        },
      ],
    });
  });

  it('adds the immutable form when the ids are known, and environments on request', () => {
    expect(
      trustedSubjects({
        repository: 'octo-org/shop',
        ownerId: '123456',
        repoId: '456789',
        environments: true,
      }),
    ).toEqual([
      'repo:octo-org/shop:ref:refs/heads/*',
      'repo:octo-org/shop:pull_request',
      'repo:octo-org/shop:environment:*',
      'repo:octo-org@123456/shop@456789:ref:refs/heads/*',
      'repo:octo-org@123456/shop@456789:pull_request',
      'repo:octo-org@123456/shop@456789:environment:*',
    ]);
  });

  it('matches the subs GitHub sends, and not those of other repositories or tags', () => {
    const doc = oidcTrustPolicy({
      repository: 'octo-org/shop',
      ownerId: '1',
      repoId: '2',
      accountId: '123456789012',
      audience: 'custom',
    });
    const statement = doc.Statement[0];
    const patterns = statement?.Condition?.StringLike?.[
      'token.actions.githubusercontent.com:sub'
    ] as string[];
    const matches = (sub: string) =>
      isAllowed(
        { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'x:y', Resource: patterns }] },
        'x:y',
        sub,
      );
    expect(matches('repo:octo-org/shop:ref:refs/heads/feature/login')).toBe(true);
    expect(matches('repo:octo-org@1/shop@2:pull_request')).toBe(true);
    expect(matches('repo:octo-org/shop-fork:pull_request')).toBe(false);
    expect(matches('repo:octo-org@9/shop@2:pull_request')).toBe(false);
    expect(matches('repo:octo-org/shop:ref:refs/tags/v1')).toBe(false);
    expect(statement?.Condition?.StringEquals).toEqual({
      'token.actions.githubusercontent.com:aud': 'custom',
    });
  });

  it('rejects a malformed repository or half the ids, and notes what is missing', () => {
    expect(() => oidcTrustPolicy({ repository: 'shop', accountId: '1' })).toThrow(/owner\/repo/);
    expect(() => oidcTrustPolicy({ repository: 'o/r', ownerId: '1', accountId: '1' })).toThrow(
      /both numeric ids/,
    );
    expect(trustPolicyNotes({ repository: 'o/r', accountId: '1' }).join('\n')).toMatch(/July 15, 2026/);
  });

  it('a repository pasted from a clone URL (…/shop.git, https://github.com/…): refused, with the owner/repo to use', () => {
    // GitHub removes ".git" from a repository name: a trust naming shop.git matches no workflow.
    expect(() => oidcTrustPolicy({ repository: 'octo/shop.git', accountId: '1' })).toThrow(
      'repository: "octo/shop.git" is not valid: GitHub repository names never end in .git; expected owner/repo, like "octo/shop".',
    );
    for (const url of ['https://github.com/octo/shop', 'git@github.com:octo/shop.git'])
      expect(() => oidcTrustPolicy({ repository: url, accountId: '1' })).toThrow(
        `repository: "${url}" is not valid; expected owner/repo, like "octo/shop".`,
      );
    expect(oidcTrustPolicy({ repository: 'octo/shop.github.io', accountId: '1' })).toBeDefined();
  });
});

describe('executionRolePolicy', () => {
  it('is the document the aws module writes: own log groups only, plus the user statements', () => {
    const extra = [
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders',
      },
    ];
    expect(executionRolePolicy('shop', '123456789012', extra)).toEqual(
      JSON.parse(executionPolicy('shop', '123456789012', extra)),
    );
    const doc = executionRolePolicy('shop', '123456789012');
    expect(
      isAllowed(
        doc,
        'logs:PutLogEvents',
        'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-main:log-stream:x',
      ),
    ).toBe(true);
    expect(
      isAllowed(
        doc,
        'logs:PutLogEvents',
        'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/other:log-stream:x',
      ),
    ).toBe(false);
    expect(isAllowed(doc, 's3:GetObject', 'arn:aws:s3:::any/x')).toBe(false);
  });

  describe("preview: pull-request code at run time writes no other lambda-deploy project's log group", () => {
    // `shop`'s groups are `/aws/lambda/shop-*`, and so are those of a project `shop-admin`: its
    // production group `/aws/lambda/shop-admin-main` carries lambda-deploy:name=shop-admin.
    const group = (fn: string) => `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/${fn}`;
    const named = (project: string) => ({ 'aws:ResourceTag/lambda-deploy:name': project });
    const preview = executionRolePolicy('shop', '123456789012', [], {
      kind: 'preview',
      protectedStages: ['main'],
    });
    const writes = [
      ['logs:PutLogEvents', `${group('shop-admin-main')}:log-stream:x`],
      ['logs:CreateLogStream', `${group('shop-admin-main')}:log-stream:x`],
      ['logs:CreateLogGroup', group('shop-admin-main')],
    ] as const;

    it.each(writes)('%s on a group tagged for another project: denied', (action, arn) => {
      expect(evaluate(preview, action, arn, named('shop-admin'))).toBe('explicit-deny');
    });

    it.each(writes)('%s on its own groups, tagged or not (Lambda made them): allowed', (action, arn) => {
      const own = arn.replace('shop-admin-main', 'shop-pr-7');
      expect(evaluate(preview, action, own, named('shop'))).toBe('allowed');
      expect(evaluate(preview, action, own)).toBe('allowed');
    });

    it('the production execution role (trusted code, under the boundary) is left as it was', () => {
      const production = executionRolePolicy('shop', '123456789012');
      const [action, arn] = writes[0];
      expect(evaluate(production, action, arn, named('shop-admin'))).toBe('allowed');
    });
  });
});

describe('the two deploy roles trust different jobs', () => {
  const repo = {
    repository: 'octo-org/shop',
    accountId: '123456789012',
    ownerId: '1234567',
    repoId: '89012345',
  };
  const sub = (doc: ReturnType<typeof oidcTrustPolicy>) => doc.Statement[0]!.Condition!;

  it('production: pushes to the protected branches and the named environments, both sub forms, no pull request', () => {
    const cond = sub(
      oidcTrustPolicy({
        ...repo,
        role: 'production',
        protectedBranches: ['main'],
        environments: ['production'],
      }),
    );
    expect(cond.StringLike!['token.actions.githubusercontent.com:sub']).toEqual([
      'repo:octo-org/shop:ref:refs/heads/main',
      'repo:octo-org/shop:environment:production',
      'repo:octo-org@1234567/shop@89012345:ref:refs/heads/main',
      'repo:octo-org@1234567/shop@89012345:environment:production',
    ]);
    expect(cond.StringNotLike).toBeUndefined();
  });

  it('preview: pull requests and every branch but the protected ones', () => {
    const cond = sub(oidcTrustPolicy({ ...repo, role: 'preview', protectedBranches: ['main', 'master'] }));
    expect(cond.StringLike!['token.actions.githubusercontent.com:sub']).toEqual([
      'repo:octo-org/shop:ref:refs/heads/*',
      'repo:octo-org/shop:pull_request',
      'repo:octo-org@1234567/shop@89012345:ref:refs/heads/*',
      'repo:octo-org@1234567/shop@89012345:pull_request',
    ]);
    expect(cond.StringNotLike!['token.actions.githubusercontent.com:sub']).toEqual([
      'repo:octo-org/shop:ref:refs/heads/main',
      'repo:octo-org/shop:ref:refs/heads/master',
      'repo:octo-org@1234567/shop@89012345:ref:refs/heads/main',
      'repo:octo-org@1234567/shop@89012345:ref:refs/heads/master',
    ]);
  });

  it('preview with no production branch (protected-stages: prod): every push, and no StringNotLike with an empty list of values', () => {
    const doc = oidcTrustPolicy({ ...repo, role: 'preview', protectedBranches: [] });
    expect(sub(doc).StringNotLike).toBeUndefined();
    expect(sub(doc).StringLike!['token.actions.githubusercontent.com:sub']).toContain(
      'repo:octo-org/shop:ref:refs/heads/*',
    );
    expect(trustPolicyNotes({ ...repo, role: 'preview', protectedBranches: [] })[0]).toBe(
      'Preview role: trusted for pull requests (not from forks: they get no token) and every branch.',
    );
  });

  it('refuses wildcards in branch and environment names', () => {
    expect(() => oidcTrustPolicy({ ...repo, role: 'production', protectedBranches: ['*'] })).toThrow(
      /protected branch: "\*" is not valid/,
    );
    expect(() => oidcTrustPolicy({ ...repo, role: 'production', environments: ['prod*'] })).toThrow(
      /environment: "prod\*" is not valid/,
    );
  });

  it('by default, production takes pushes to main and master and the environment production; preview excludes both branches', () => {
    const classic = { repository: 'octo-org/shop' };
    expect(trustedSubjects({ ...classic, role: 'production' })).toEqual([
      'repo:octo-org/shop:ref:refs/heads/main',
      'repo:octo-org/shop:ref:refs/heads/master',
      'repo:octo-org/shop:environment:production',
    ]);
    expect(excludedSubjects({ ...classic, role: 'preview' })).toEqual([
      'repo:octo-org/shop:ref:refs/heads/main',
      'repo:octo-org/shop:ref:refs/heads/master',
    ]);
    // Only the preview role has exceptions (the production role lists what it trusts; one role trusts all).
    expect(excludedSubjects({ ...classic, role: 'production' })).toEqual([]);
    expect(excludedSubjects(classic)).toEqual([]);
  });

  // A wildcard that reached a sub pattern would widen the trust: `main*` lets a branch `main-x`
  // push to production, `*/shop` any owner's repository named shop.
  it.each<[string, Parameters<typeof trustedSubjects>[0], RegExp]>([
    ['a repository with a wildcard owner', { repository: '*/shop' }, /^repository: "\*\/shop" is not valid/],
    ['a repository ending in a wildcard', { repository: 'octo-org/shop*' }, /^repository: /],
    ['a repository with a path', { repository: 'octo-org/shop/x' }, /^repository: /],
    [
      'an owner id ending in a wildcard',
      { repository: 'o/r', ownerId: '1*', repoId: '2' },
      /^ownerId\/repoId: /,
    ],
    [
      'a repo id starting with a wildcard',
      { repository: 'o/r', ownerId: '1', repoId: '*2' },
      /^ownerId\/repoId: /,
    ],
    [
      'a protected branch ending in a wildcard',
      { repository: 'o/r', role: 'production', protectedBranches: ['main*'] },
      /^protected branch: "main\*" is not valid/,
    ],
    [
      'a protected branch starting with a wildcard',
      { repository: 'o/r', role: 'preview', protectedBranches: ['?main'] },
      /^protected branch: "\?main" is not valid/,
    ],
    [
      'an environment starting with a wildcard',
      { repository: 'o/r', role: 'production', environments: ['*prod'] },
      /^environment: "\*prod" is not valid/,
    ],
  ])('refuses %s', (_title, options, expected) => {
    expect(() => oidcTrustPolicy({ accountId: '123456789012', ...options })).toThrow(expected);
  });

  it('production without environments trusts the protected branches only', () => {
    expect(
      trustedSubjects({ ...repo, role: 'production', protectedBranches: ['main'], environments: false }),
    ).toEqual([
      'repo:octo-org/shop:ref:refs/heads/main',
      'repo:octo-org@1234567/shop@89012345:ref:refs/heads/main',
    ]);
  });

  it('preview never trusts a GitHub environment, even when asked for environments', () => {
    for (const environments of [true, ['production']] as const) {
      const subjects = trustedSubjects({ ...repo, role: 'preview', environments });
      expect(subjects.filter((s) => s.includes(':environment:'))).toEqual([]);
    }
  });

  it('the ids must both be numeric', () => {
    for (const ids of [
      { ownerId: '12a', repoId: '3' },
      { ownerId: '1', repoId: '3 ' },
      { repoId: '3' },
      { ownerId: '', repoId: '' },
    ])
      expect(() => trustedSubjects({ repository: 'o/r', ...ids })).toThrow(
        `ownerId/repoId: "${ids.ownerId ?? ''}"/"${ids.repoId}" are not valid; expected both numeric ids (gh api repos/o/r --jq '.owner.id, .id').`,
      );
  });

  it('the notes say which jobs each role trusts and what is not trusted yet', () => {
    const notes = (options: Partial<Parameters<typeof trustPolicyNotes>[0]>) =>
      trustPolicyNotes({ repository: 'o/r', accountId: '1', ...options });
    expect(
      notes({
        role: 'production',
        protectedBranches: ['main', 'release'],
        environments: ['prod', 'staging'],
      })[0],
    ).toBe(
      "Production role: trusted for pushes to main, release (branch deletions and schedules run there too) and the environments prod, staging. Limit those environments' deployment branches to the protected branches: a pull request's workflow could otherwise name them.",
    );
    expect(notes({ role: 'preview', protectedBranches: ['main', 'release'] })[0]).toBe(
      'Preview role: trusted for pull requests (not from forks: they get no token) and every branch but main, release.',
    );
    expect(notes({})[0]).toMatch(/^Branch pushes, pull requests .* are trusted\.$/);
    // The classic form only, until both ids are given.
    for (const ids of [{}, { ownerId: '1' }, { repoId: '2' }])
      expect(notes(ids).some((n) => n.startsWith('Only the classic sub form is trusted.'))).toBe(true);
    expect(notes({ ownerId: '1', repoId: '2' }).some((n) => n.startsWith('Only the classic'))).toBe(false);
    // Environments: a note for the single role without them, none once given or for the two roles.
    const envNote = (n: string) => n.startsWith('Jobs that run in a GitHub environment');
    expect(notes({}).some(envNote)).toBe(true);
    expect(notes({ environments: true }).some(envNote)).toBe(false);
    expect(notes({ role: 'preview' }).some(envNote)).toBe(false);
    expect(notes({ role: 'production' }).some(envNote)).toBe(false);
  });

  it("the production notes warn that pull_request_target and workflow_run jobs carry a protected branch's sub", () => {
    const text = trustPolicyNotes({ ...repo, role: 'production' }).join('\n');
    expect(text).toContain(
      'pull_request_target and workflow_run jobs (and every other event that runs on main, master) send the sub of the branch they run on, so this role trusts them',
    );
    expect(trustPolicyNotes({ ...repo, role: 'preview' }).join('\n')).not.toContain('pull_request_target');
  });

  it('the notes tell what to set on the environment', () => {
    expect(trustPolicyNotes({ ...repo, role: 'production' }).join('\n')).toMatch(
      /Limit those environments' deployment branches to the protected branches/,
    );
  });
});
