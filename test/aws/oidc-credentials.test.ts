import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { STSClient } from '@aws-sdk/client-sts';
import {
  OidcTokenUnavailableError,
  getAccountId,
  githubTokenSource,
  resolveCredentials,
} from '../../src/aws/oidc-credentials.js';
import { ACCOUNT_ID, REGION, githubTrust, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { testDeps } from '../support/aws-deploy-sequence.js';

const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/deploy`;
const PULL_REQUEST = 'repo:octo/app:pull_request';
const claims = {
  sub: PULL_REQUEST,
  aud: 'sts.amazonaws.com',
  repository: 'octo/app',
  ref: 'refs/pull/7/merge',
  event_name: 'pull_request',
  job_workflow_ref: 'octo/app/.github/workflows/deploy.yml@refs/pull/7/merge',
  iss: 'https://token.actions.githubusercontent.com',
  exp: 4_102_444_800, // 2100
};
/** The runner's token for `audience`: GitHub puts the audience asked for in `aud` (the signature is not checked). */
const tokenFor = (audience: string, over: Record<string, unknown> = {}) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ ...claims, aud: audience, ...over })).toString('base64url')}.c2lnbmF0dXJlLXNlY3JldA`;
const TOKEN = tokenFor('sts.amazonaws.com');
const REQUEST_TOKEN = 'runner-request-token-xyz';

let server: Server;
let baseUrl: string;
const seen: { url: string; auth: string | undefined }[] = [];
let failuresLeft = 0;
let extraClaims: Record<string, unknown> = {};

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    if (failuresLeft > 0) {
      failuresLeft--;
      res.writeHead(503).end('busy');
      return;
    }
    if (req.headers.authorization !== `Bearer ${REQUEST_TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    const audience = new URL(req.url ?? '/', 'http://runner').searchParams.get('audience') ?? '';
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ value: tokenFor(audience, extraClaims) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/**
 * The one fake AWS: GitHub's OIDC provider (audience sts.amazonaws.com) and
 * the deploy role, whose trust policy lets in pull requests of octo/app (STS
 * decides by it, as AWS does).
 */
let aws: FakeAws;
let sts: STSClient;
beforeEach(async () => {
  aws = await startFakeAws();
  aws.seed.githubDeployRole('deploy', [PULL_REQUEST]);
  sts = aws.clients().sts;
  seen.length = 0;
  failuresLeft = 0;
  extraClaims = {};
});
afterEach(() => aws.close());
const assumeCalls = () => aws.calls.of({ operation: 'AssumeRoleWithWebIdentity' });

function env(): NodeJS.ProcessEnv {
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: `${baseUrl}/token?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
  };
}

describe('OIDC sign-in', () => {
  it('fetches the token for the audience, assumes the role, masks every secret', async () => {
    const deps = testDeps();
    const result = await resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'sts.amazonaws.com', runId: '4242' },
      { ...deps, tokenSource: githubTokenSource(env(), deps) },
    );
    // STS checked the token against the provider and the trust policy, then issued these.
    const [issued] = aws.account.issued;
    expect(issued).toMatchObject({ roleArn: ROLE, sessionName: 'lambda-deploy-4242', claims });
    const creds = {
      AccessKeyId: issued!.accessKeyId,
      SecretAccessKey: issued!.secretAccessKey,
      SessionToken: issued!.sessionToken,
    };
    expect(result).toEqual({
      accessKeyId: creds.AccessKeyId,
      secretAccessKey: creds.SecretAccessKey,
      sessionToken: creds.SessionToken,
      expiration: new Date(issued!.expiresAt),
    });
    expect(seen).toEqual([
      { url: '/token?api-version=2.0&audience=sts.amazonaws.com', auth: `Bearer ${REQUEST_TOKEN}` },
    ]);
    expect(assumeCalls()[0]!.input).toEqual({
      RoleArn: ROLE,
      RoleSessionName: 'lambda-deploy-4242',
      WebIdentityToken: `<${TOKEN.length} characters>`,
      DurationSeconds: '3600',
    });
    for (const secret of [
      TOKEN,
      REQUEST_TOKEN,
      creds.AccessKeyId,
      creds.SecretAccessKey,
      creds.SessionToken,
    ]) {
      expect(deps.logger.secrets).toContain(secret);
    }
  });

  it('encodes an unusual audience', async () => {
    // The provider lists the audience and the role's trust policy asks for it, as they must for STS to accept it.
    aws.seed.githubOidcProvider(['api://my app']);
    aws.seed.role('deploy', {
      trust: githubTrust([PULL_REQUEST]).replace('"sts.amazonaws.com"', '"api://my app"'),
    });
    const deps = testDeps();
    await resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'api://my app' },
      { ...deps, tokenSource: githubTokenSource(env(), deps) },
    );
    expect(seen[0]?.url).toBe('/token?api-version=2.0&audience=api%3A%2F%2Fmy+app');
    expect(aws.account.issued[0]!.claims.aud).toBe('api://my app');
  });

  it('retries a busy token endpoint and IDPCommunicationError / a too-new token from STS', async () => {
    failuresLeft = 2;
    aws.faults
      .fail('AssumeRoleWithWebIdentity', 'IDPCommunicationError', { message: 'Could not reach the IdP' })
      .fail('AssumeRoleWithWebIdentity', 'InvalidIdentityToken', { message: 'Token not yet valid (iat)' });
    const deps = testDeps();
    const result = await resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'sts.amazonaws.com' },
      { ...deps, tokenSource: githubTokenSource(env(), deps) },
    );
    expect(result?.accessKeyId).toBe(aws.account.issued[0]!.accessKeyId);
    expect(seen).toHaveLength(3);
    expect(assumeCalls().map((c) => [c.status, c.error])).toEqual([
      [400, 'IDPCommunicationError'],
      [400, 'InvalidIdentityToken'],
      [200, undefined],
    ]);
    // Exponential: 1 s then 2 s for the endpoint, again for STS (random pinned to 1).
    expect(deps.sleep.calls).toEqual([1000, 2000, 1000, 2000]);
  });

  it('jitters the backoff so parallel jobs do not retry in step', async () => {
    aws.faults.fail('AssumeRoleWithWebIdentity', 'IDPCommunicationError');
    const deps = { ...testDeps(), random: () => 0 };
    await resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'sts.amazonaws.com' },
      { ...deps, tokenSource: githubTokenSource(env(), deps) },
    );
    expect(deps.sleep.calls).toEqual([500]);
  });

  it('AccessDenied (403): names the trust policy and prints the claims, never the token', async () => {
    // The role trusts pushes to main only: STS refuses this pull request's token by the trust policy.
    aws.seed.githubDeployRole('deploy', ['repo:octo/app:ref:refs/heads/main']);
    const deps = testDeps();
    const failure = resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'sts.amazonaws.com' },
      { ...deps, tokenSource: githubTokenSource(env(), deps) },
    );
    await expect(failure).rejects.toThrow(
      `Could not assume role ${ROLE} with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity; the role's trust policy must allow this repository and event`,
    );
    const error = await failure.catch((e: Error) => e);
    const log = deps.logger.text();
    for (const text of [log, (error as Error).message]) {
      expect(text).toContain('sub=repo:octo/app:pull_request');
      expect(text).toContain('aud=sts.amazonaws.com');
      expect(text).toContain('repository=octo/app');
      expect(text).toContain('ref=refs/pull/7/merge');
      expect(text).toContain('event_name=pull_request');
      expect(text).toContain('job_workflow_ref=octo/app/.github/workflows/deploy.yml@refs/pull/7/merge');
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('c2lnbmF0dXJlLXNlY3JldA');
      expect(text).not.toContain(REQUEST_TOKEN);
    }
    expect(assumeCalls().map((c) => [c.status, c.error])).toEqual([[403, 'AccessDenied']]);
    expect(aws.account.issued).toEqual([]);
  });

  it('AccessDenied for an immutable sub (repo:OWNER@ID/REPO@ID) says to set the roles up with the ids, naming them', async () => {
    // A repository created since 15 July 2026: GitHub's default sub carries the ids; the role trusts the classic form only.
    aws.seed.githubDeployRole('deploy', ['repo:octo/app:pull_request']);
    extraClaims = {
      sub: 'repo:octo@1342004/app@987654321:pull_request',
      repository_owner_id: '1342004',
      repository_id: '987654321',
    };
    const deps = testDeps();
    const error = await resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'sts.amazonaws.com' },
      { ...deps, tokenSource: githubTokenSource(env(), deps) },
    ).catch((e: Error) => e);
    expect((error as Error).message).toContain('sub=repo:octo@1342004/app@987654321:pull_request');
    expect((error as Error).message).toContain(
      "GitHub names this repository by its ids in the token's sub (repo:OWNER@ID/REPO@ID): roles set up without them trust only repo:octo/app:…. " +
        'Run npx github:org/lambda-deploy setup again with --repository octo/app --owner-id 1342004 --repo-id 987654321 (and your other setup flags): both forms are then trusted.',
    );
    // The classic form gets no such advice.
    extraClaims = {};
    const classic = await resolveCredentials(
      sts,
      { roleToAssume: ROLE.replace('deploy', 'other'), audience: 'sts.amazonaws.com' },
      { ...deps, tokenSource: githubTokenSource(env(), deps) },
    ).catch((e: Error) => e);
    expect((classic as Error).message).not.toContain('--owner-id');
  });

  it('a wrong audience (InvalidIdentityToken every time) gives up quickly with a provider hint', async () => {
    const deps = testDeps();
    await expect(
      resolveCredentials(
        sts,
        { roleToAssume: ROLE, audience: 'wrong' },
        { ...deps, tokenSource: githubTokenSource(env(), deps) },
      ),
    ).rejects.toThrow(
      /OIDC provider for https:\/\/token.actions.githubusercontent.com whose audiences include wrong/,
    );
    expect(assumeCalls().map((c) => c.error)).toEqual(Array(3).fill('InvalidIdentityToken'));
  });

  it('an expired token (ExpiredTokenException, 400) is refused and no credentials are issued', async () => {
    extraClaims = { exp: Math.floor(aws.clock.now() / 1000) - 60 };
    const deps = testDeps();
    await expect(
      resolveCredentials(
        sts,
        { roleToAssume: ROLE, audience: 'sts.amazonaws.com' },
        { ...deps, tokenSource: githubTokenSource(env(), deps) },
      ),
    ).rejects.toThrow(/Could not assume role .* with OIDC: .*Token expired/);
    expect(assumeCalls()[0]).toMatchObject({ status: 400, error: 'ExpiredTokenException' });
    expect(aws.account.issued).toEqual([]);
  });

  it('missing token variables: asks for permissions: id-token: write', async () => {
    const deps = testDeps();
    const failure = resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'sts.amazonaws.com' },
      { ...deps, tokenSource: githubTokenSource({}, deps) },
    );
    await expect(failure).rejects.toThrow(/`permissions: id-token: write`.*forks never get a token/);
    await expect(failure).rejects.toMatchObject({ reason: 'permission' });
    expect(assumeCalls()).toHaveLength(0);
  });

  it('a fork pull request: says so instead of blaming the workflow permissions', async () => {
    const deps = testDeps();
    const failure = resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'sts.amazonaws.com' },
      { ...deps, tokenSource: githubTokenSource({}, deps, { fromFork: true }) },
    );
    await expect(failure).rejects.toBeInstanceOf(OidcTokenUnavailableError);
    await expect(failure).rejects.toMatchObject({ reason: 'fork' });
    await expect(failure).rejects.toThrow(/pull request from a fork.*never gives those an OIDC token/);
    await expect(failure).rejects.not.toThrow(/id-token: write/);
  });

  it('a token endpoint that keeps refusing: the error names the audience', async () => {
    const deps = testDeps();
    const source = githubTokenSource({ ...env(), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' }, deps);
    await expect(source.getToken('sts.amazonaws.com')).rejects.toThrow(
      'Could not get an OIDC token from the runner for audience sts.amazonaws.com: HTTP 401',
    );
    expect(seen).toHaveLength(1); // a 401 is not retried
  });

  it("a token endpoint that cannot be reached: the error gives the network's reason, not fetch's 'fetch failed'", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const deps = testDeps();
    const source = githubTokenSource(
      { ...env(), ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token` },
      deps,
    );
    await expect(source.getToken('sts.amazonaws.com')).rejects.toThrow(
      `Could not get an OIDC token from the runner for audience sts.amazonaws.com: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('without role-to-assume: no credentials (the SDK default chain) and no token request', async () => {
    const deps = testDeps();
    expect(
      await resolveCredentials(
        sts,
        { audience: 'sts.amazonaws.com' },
        { ...deps, tokenSource: githubTokenSource(env(), deps) },
      ),
    ).toBeUndefined();
    expect(seen).toHaveLength(0);
  });
});

describe('getAccountId', () => {
  it('returns the account', async () => {
    expect(await getAccountId(sts, testDeps())).toBe(ACCOUNT_ID);
    expect(aws.calls.operations('sts')).toEqual(['GetCallerIdentity']);
  });
  it('explains missing credentials', async () => {
    // A client whose credential chain finds nothing, as on a runner without role-to-assume or keys.
    const bare = new STSClient({
      region: REGION,
      endpoint: aws.url,
      credentials: () =>
        Promise.reject(
          Object.assign(new Error('Could not load credentials from any providers'), {
            name: 'CredentialsProviderError',
          }),
        ),
    });
    await expect(getAccountId(bare, testDeps())).rejects.toThrow(
      'Could not find AWS credentials: Could not load credentials from any providers; configure role-to-assume, or run aws-actions/configure-aws-credentials first',
    );
    expect(aws.calls.calls).toHaveLength(0);
  });
});
