import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  IDPCommunicationErrorException,
  InvalidIdentityTokenException,
  STSClient,
} from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  OidcTokenUnavailableError,
  getAccountId,
  githubTokenSource,
  resolveCredentials,
} from '../../src/aws/oidc-credentials.js';
import { testDeps } from '../support/aws-deploy-sequence.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const claims = {
  sub: 'repo:octo/app:pull_request',
  aud: 'sts.amazonaws.com',
  repository: 'octo/app',
  ref: 'refs/pull/7/merge',
  event_name: 'pull_request',
  job_workflow_ref: 'octo/app/.github/workflows/deploy.yml@refs/pull/7/merge',
  iss: 'https://token.actions.githubusercontent.com',
};
const TOKEN = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJlLXNlY3JldA`;
const REQUEST_TOKEN = 'runner-request-token-xyz';

let server: Server;
let baseUrl: string;
const seen: { url: string; auth: string | undefined }[] = [];
let failuresLeft = 0;

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
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: TOKEN }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const sts = new STSClient({ region: 'eu-west-1' });
const stsMock = mockClient(sts);
const creds = {
  AccessKeyId: 'ASIAFAKEACCESSKEY',
  SecretAccessKey: 'fake-secret-access-key',
  SessionToken: 'fake-session-token',
  Expiration: new Date('2030-01-01T00:00:00Z'),
};

function env(): NodeJS.ProcessEnv {
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: `${baseUrl}/token?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
  };
}

beforeEach(() => {
  stsMock.reset();
  seen.length = 0;
  failuresLeft = 0;
});

describe('OIDC sign-in', () => {
  it('fetches the token for the audience, assumes the role, masks every secret', async () => {
    stsMock.on(AssumeRoleWithWebIdentityCommand).resolves({ Credentials: creds });
    const deps = testDeps();
    const result = await resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'sts.amazonaws.com', runId: '4242' },
      { ...deps, tokenSource: githubTokenSource(env(), deps) },
    );
    expect(result).toEqual({
      accessKeyId: creds.AccessKeyId,
      secretAccessKey: creds.SecretAccessKey,
      sessionToken: creds.SessionToken,
      expiration: creds.Expiration,
    });
    expect(seen).toEqual([
      { url: '/token?api-version=2.0&audience=sts.amazonaws.com', auth: `Bearer ${REQUEST_TOKEN}` },
    ]);
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleWithWebIdentityCommand, {
      RoleArn: ROLE,
      RoleSessionName: 'lambda-deploy-4242',
      WebIdentityToken: TOKEN,
      DurationSeconds: 3600,
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
    stsMock.on(AssumeRoleWithWebIdentityCommand).resolves({ Credentials: creds });
    const deps = testDeps();
    await resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'api://my app' },
      { ...deps, tokenSource: githubTokenSource(env(), deps) },
    );
    expect(seen[0]?.url).toBe('/token?api-version=2.0&audience=api%3A%2F%2Fmy+app');
  });

  it('retries a busy token endpoint and IDPCommunicationError / a too-new token from STS', async () => {
    failuresLeft = 2;
    stsMock
      .on(AssumeRoleWithWebIdentityCommand)
      .rejectsOnce(
        new IDPCommunicationErrorException({
          message: 'Could not reach the IdP',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .rejectsOnce(
        new InvalidIdentityTokenException({
          message: 'Token not yet valid (iat)',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .resolves({ Credentials: creds });
    const deps = testDeps();
    const result = await resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'sts.amazonaws.com' },
      { ...deps, tokenSource: githubTokenSource(env(), deps) },
    );
    expect(result?.accessKeyId).toBe(creds.AccessKeyId);
    expect(seen).toHaveLength(3);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleWithWebIdentityCommand, 3);
    // Exponential: 1 s then 2 s for the endpoint, again for STS (random pinned to 1).
    expect(deps.sleep.calls).toEqual([1000, 2000, 1000, 2000]);
  });

  it('jitters the backoff so parallel jobs do not retry in step', async () => {
    stsMock
      .on(AssumeRoleWithWebIdentityCommand)
      .rejectsOnce(new IDPCommunicationErrorException({ message: 'x', $metadata: {} }))
      .resolves({ Credentials: creds });
    const deps = { ...testDeps(), random: () => 0 };
    await resolveCredentials(
      sts,
      { roleToAssume: ROLE, audience: 'sts.amazonaws.com' },
      { ...deps, tokenSource: githubTokenSource(env(), deps) },
    );
    expect(deps.sleep.calls).toEqual([500]);
  });

  it('AccessDenied: names the trust policy and prints the claims, never the token', async () => {
    stsMock.on(AssumeRoleWithWebIdentityCommand).rejects(
      Object.assign(new Error('Not authorized to perform sts:AssumeRoleWithWebIdentity'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
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
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleWithWebIdentityCommand, 1);
  });

  it('a wrong audience (InvalidIdentityToken every time) gives up quickly with a provider hint', async () => {
    stsMock.on(AssumeRoleWithWebIdentityCommand).rejects(
      new InvalidIdentityTokenException({
        message: 'Incorrect token audience',
        $metadata: { httpStatusCode: 400 },
      }),
    );
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
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleWithWebIdentityCommand, 3);
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
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleWithWebIdentityCommand, 0);
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
    stsMock
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/x/y' });
    expect(await getAccountId(sts, testDeps())).toBe('123456789012');
  });
  it('explains missing credentials', async () => {
    stsMock.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    await expect(getAccountId(sts, testDeps())).rejects.toThrow(
      'Could not find AWS credentials: Could not load credentials from any providers; configure role-to-assume, or run aws-actions/configure-aws-credentials first',
    );
  });
});
