/**
 * The fake's IAM and STS through the real SDK clients: roles and their
 * policies, OpenID Connect providers, what IAM refuses; web identity sign-in
 * decided by the provider and the role's trust policy; credentials that the
 * account accepts until they expire on its clock.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPolicyVersionsCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import {
  ACCOUNT_ID,
  GITHUB_OIDC_HOST,
  LAMBDA_TRUST,
  githubTrust,
  startFakeAws,
  type FakeAws,
} from '../../fakes/aws/index.js';
import { expectAwsError } from './helpers.js';

let aws: FakeAws;
let iam: ReturnType<FakeAws['clients']>['iam'];

beforeEach(async () => {
  aws = await startFakeAws();
  iam = aws.clients().iam;
});
afterEach(() => aws.close());

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }],
});

describe('IAM roles', () => {
  test('created, read back (trust and inline policy URL-encoded, as IAM returns them), tagged, listed page by page', async () => {
    const made = await iam.send(
      new CreateRoleCommand({
        RoleName: 'shop-lambda-deploy',
        AssumeRolePolicyDocument: LAMBDA_TRUST,
        Description: 'd',
        Tags: [{ Key: 'lambda-deploy:name', Value: 'shop' }],
      }),
    );
    expect(made.Role).toMatchObject({
      Arn: `arn:aws:iam::${ACCOUNT_ID}:role/shop-lambda-deploy`,
      RoleId: expect.stringMatching(/^AROA[A-Z0-9]{17}$/),
    });
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'shop-lambda-deploy',
        PolicyName: 'lambda-deploy',
        PolicyDocument: POLICY,
      }),
    );
    await iam.send(
      new TagRoleCommand({
        RoleName: 'shop-lambda-deploy',
        Tags: [{ Key: 'lambda-deploy:policy', Value: 'abc' }],
      }),
    );
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'shop-lambda-deploy' }))).Role!;
    expect(decodeURIComponent(role.AssumeRolePolicyDocument!)).toBe(LAMBDA_TRUST);
    expect(role.Tags).toEqual([
      { Key: 'lambda-deploy:name', Value: 'shop' },
      { Key: 'lambda-deploy:policy', Value: 'abc' },
    ]);
    const policy = await iam.send(
      new GetRolePolicyCommand({ RoleName: 'shop-lambda-deploy', PolicyName: 'lambda-deploy' }),
    );
    expect(decodeURIComponent(policy.PolicyDocument!)).toBe(POLICY);
    for (const n of [1, 2]) aws.seed.role(`other-${n}`);
    await aws.close();
    aws = await startFakeAws({ pageSize: 2 });
    iam = aws.clients().iam;
    for (const n of [1, 2, 3]) aws.seed.role(`r${n}`);
    const first = await iam.send(new ListRolesCommand({}));
    expect(first).toMatchObject({ IsTruncated: true, Roles: [{ RoleName: 'r1' }, { RoleName: 'r2' }] });
    const second = await iam.send(new ListRolesCommand({ Marker: first.Marker }));
    expect(second).toMatchObject({ IsTruncated: false, Roles: [{ RoleName: 'r3' }] });
  });

  test('refusals: 409 EntityAlreadyExists, 404 NoSuchEntity, 400 MalformedPolicyDocument, 400 a name over 64 characters, 409 DeleteConflict', async () => {
    const create = (name = 'r', trust = LAMBDA_TRUST) =>
      iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
    await create();
    await expectAwsError(create(), 'EntityAlreadyExistsException', 409, 'Role with name r already exists.');
    await expectAwsError(
      iam.send(new GetRoleCommand({ RoleName: 'nope' })),
      'NoSuchEntityException',
      404,
      'The role with name nope cannot be found.',
    );
    await expectAwsError(create('bad', '{not json'), 'MalformedPolicyDocumentException', 400);
    await expectAwsError(create('x'.repeat(65)), 'ValidationError', 400, /roleName/);
    await expectAwsError(
      iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: 'nope' })),
      'MalformedPolicyDocumentException',
      400,
    );
    await expectAwsError(
      iam.send(new GetRolePolicyCommand({ RoleName: 'r', PolicyName: 'p' })),
      'NoSuchEntityException',
      404,
    );
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: POLICY }));
    await expectAwsError(
      iam.send(new DeleteRoleCommand({ RoleName: 'r' })),
      'DeleteConflictException',
      409,
      'Cannot delete entity, must delete policies first.',
    );
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'r', PolicyName: 'p' }));
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'r' }))).PolicyNames).toEqual([]);
    await iam.send(new DeleteRoleCommand({ RoleName: 'r' }));
    expect(aws.account.roles.has('r')).toBe(false);
  });

  test('managed policies and permissions boundaries must exist', async () => {
    aws.seed.role('r');
    await expectAwsError(
      iam.send(
        new AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: `arn:aws:iam::${ACCOUNT_ID}:policy/nope` }),
      ),
      'NoSuchEntityException',
      404,
    );
    await expectAwsError(
      iam.send(
        new PutRolePermissionsBoundaryCommand({
          RoleName: 'r',
          PermissionsBoundary: `arn:aws:iam::${ACCOUNT_ID}:policy/nope`,
        }),
      ),
      'NoSuchEntityException',
      404,
    );
    aws.seed.managedPolicy('lambda-deploy-boundary');
    await iam.send(
      new PutRolePermissionsBoundaryCommand({
        RoleName: 'r',
        PermissionsBoundary: `arn:aws:iam::${ACCOUNT_ID}:policy/lambda-deploy-boundary`,
      }),
    );
    expect((await iam.send(new GetRoleCommand({ RoleName: 'r' }))).Role!.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: 'Policy',
      PermissionsBoundaryArn: `arn:aws:iam::${ACCOUNT_ID}:policy/lambda-deploy-boundary`,
    });
  });

  test('a trust policy naming an OpenID Connect provider that does not exist is refused (400 MalformedPolicyDocument)', async () => {
    const trust = githubTrust(['repo:octo/*']);
    await expectAwsError(
      iam.send(new CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: trust })),
      'MalformedPolicyDocumentException',
      400,
      `Invalid principal in policy: "Federated":"arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${GITHUB_OIDC_HOST}"`,
    );
    aws.seed.githubOidcProvider();
    await expect(
      iam.send(new CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: trust })),
    ).resolves.toBeDefined();
  });

  test('managed policies: 409 for a name taken, at most 5 versions (LimitExceeded 409), the default version and an attached policy cannot be deleted (DeleteConflict 409)', async () => {
    const made = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'shop-lambda-deploy-boundary', PolicyDocument: POLICY }),
    );
    const policyArn = made.Policy!.Arn!;
    expect(policyArn).toBe(`arn:aws:iam::${ACCOUNT_ID}:policy/shop-lambda-deploy-boundary`);
    await expectAwsError(
      iam.send(
        new CreatePolicyCommand({ PolicyName: 'shop-lambda-deploy-boundary', PolicyDocument: POLICY }),
      ),
      'EntityAlreadyExistsException',
      409,
    );
    for (let i = 0; i < 4; i++)
      await iam.send(
        new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: POLICY, SetAsDefault: true }),
      );
    await expectAwsError(
      iam.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: POLICY })),
      'LimitExceededException',
      409,
      /up to 5 versions/,
    );
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy!.DefaultVersionId).toBe(
      'v5',
    );
    expect(
      decodeURIComponent(
        (await iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: 'v5' })))
          .PolicyVersion!.Document!,
      ),
    ).toBe(POLICY);
    await expectAwsError(
      iam.send(new DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: 'v5' })),
      'DeleteConflictException',
      409,
      'Cannot delete the default version of a policy.',
    );
    expect(
      (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn }))).Versions!.map(
        (v) => v.VersionId,
      ),
    ).toEqual(['v5', 'v4', 'v3', 'v2', 'v1']);
    aws.seed.role('r');
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: policyArn }));
    await expectAwsError(
      iam.send(new DeletePolicyCommand({ PolicyArn: policyArn })),
      'DeleteConflictException',
      409,
      'Cannot delete a policy attached to entities.',
    );
    await expectAwsError(
      iam.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCOUNT_ID}:policy/nope` })),
      'NoSuchEntityException',
      404,
    );
  });

  test('OpenID Connect providers: created once per URL (409 the second time), read, listed; 404 for another', async () => {
    const create = () =>
      iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: `https://${GITHUB_OIDC_HOST}`,
          ClientIDList: ['sts.amazonaws.com'],
        }),
      );
    const made = await create();
    expect(made.OpenIDConnectProviderArn).toBe(
      `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${GITHUB_OIDC_HOST}`,
    );
    await expectAwsError(create(), 'EntityAlreadyExistsException', 409);
    expect(
      await iam.send(
        new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: made.OpenIDConnectProviderArn }),
      ),
    ).toMatchObject({
      Url: GITHUB_OIDC_HOST,
      ClientIDList: ['sts.amazonaws.com'],
    });
    expect((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([
      { Arn: made.OpenIDConnectProviderArn },
    ]);
    await expectAwsError(
      iam.send(
        new GetOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/example.com`,
        }),
      ),
      'NoSuchEntityException',
      404,
    );
  });
});

describe('STS AssumeRoleWithWebIdentity, decided by the provider and the trust policy', () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const token = (claims: Record<string, unknown>) =>
    [
      b64({ alg: 'RS256', typ: 'JWT' }),
      b64({
        iss: `https://${GITHUB_OIDC_HOST}`,
        aud: 'sts.amazonaws.com',
        sub: 'repo:octo/svc:ref:refs/heads/main',
        exp: Math.floor(aws.clock.now() / 1000) + 300,
        ...claims,
      }),
      'signature',
    ].join('.');
  // The unsigned call, as the action makes it: no credentials at all.
  const sts = () =>
    new STSClient({
      region: aws.region,
      endpoint: aws.url,
      credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
    });
  const assume = (roleName: string, webToken: string) =>
    sts().send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}`,
        RoleSessionName: 'lambda-deploy-1',
        WebIdentityToken: webToken,
      }),
    );

  test('the production role lets in pushes to main, never a pull request; the preview role the reverse', async () => {
    aws.seed.githubDeployRole('prod', ['repo:octo/svc:ref:refs/heads/main']);
    aws.seed.githubDeployRole('preview', ['repo:octo/svc:pull_request']);
    await expect(assume('prod', token({}))).resolves.toMatchObject({
      AssumedRoleUser: { Arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/prod/lambda-deploy-1` },
    });
    await expectAwsError(
      assume('prod', token({ sub: 'repo:octo/svc:pull_request' })),
      'AccessDenied',
      403,
      'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
    await expect(assume('preview', token({ sub: 'repo:octo/svc:pull_request' }))).resolves.toBeDefined();
    await expectAwsError(assume('preview', token({})), 'AccessDenied', 403);
    await expectAwsError(assume('nope', token({})), 'AccessDenied', 403);
  });

  test('no provider for the issuer, a wrong audience, an expired or malformed token: the errors STS gives', async () => {
    aws.seed.role('prod', { trust: githubTrust(['repo:*']) });
    await expectAwsError(
      assume('prod', token({})),
      'InvalidIdentityTokenException',
      400,
      `No OpenIDConnect provider found in your account for https://${GITHUB_OIDC_HOST}`,
    );
    aws.seed.githubOidcProvider();
    await expectAwsError(
      assume('prod', token({ aud: 'https://github.com/octo' })),
      'InvalidIdentityTokenException',
      400,
      'Incorrect token audience',
    );
    await expectAwsError(
      assume('prod', token({ exp: Math.floor(aws.clock.now() / 1000) - 1 })),
      'ExpiredTokenException',
      400,
      /Token expired/,
    );
    await expectAwsError(assume('prod', 'not-a-jwt'), 'InvalidIdentityTokenException', 400);
    expect(
      aws.calls
        .of({ operation: 'AssumeRoleWithWebIdentity' })
        .every(
          (c) => c.input.WebIdentityToken !== undefined && !String(c.input.WebIdentityToken).includes('.'),
        ),
    ).toBe(true);
  });

  test('issued credentials sign later calls until they expire on the account’s clock; unknown keys are refused', async () => {
    aws.seed.githubDeployRole('prod', ['repo:octo/*']);
    const issued = (await assume('prod', token({}))).Credentials!;
    const clients = aws.clients({
      credentials: {
        accessKeyId: issued.AccessKeyId!,
        secretAccessKey: issued.SecretAccessKey!,
        sessionToken: issued.SessionToken!,
      },
    });
    expect((await clients.sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      `arn:aws:sts::${ACCOUNT_ID}:assumed-role/prod/lambda-deploy-1`,
    );
    aws.clock.advance(3_600_000);
    await expectAwsError(
      clients.lambda.send(new GetFunctionCommand({ FunctionName: 'f' })),
      'ExpiredTokenException',
      403,
    );
    await expectAwsError(clients.iam.send(new GetRoleCommand({ RoleName: 'prod' })), 'ExpiredToken', 403);
    const stranger = aws.clients({ credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' } });
    await expectAwsError(
      stranger.lambda.send(new GetFunctionCommand({ FunctionName: 'f' })),
      'UnrecognizedClientException',
      403,
    );
    await expectAwsError(
      stranger.iam.send(new GetRoleCommand({ RoleName: 'prod' })),
      'InvalidClientTokenId',
      403,
    );
    await expectAwsError(stranger.s3.send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403);
  });
});
