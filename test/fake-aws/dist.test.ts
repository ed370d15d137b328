/**
 * The project's `setup` against the one fake AWS, then the bundled action
 * (`node dist/index.js`, as the runner runs it) reaching it through the SDK's
 * own AWS_ENDPOINT_URL with the roles setup made: a push to main signs in
 * through OIDC (STS decides by the trust policy setup wrote) and deploys; a
 * pull request's token is refused by the production role before anything is
 * created, and let in by the preview role.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { runSetup } from '../../src/setup/setup-aws.js';
import { setupDocuments } from '../../src/setup/setup-documents.js';
import { startOidcServer, type OidcServer } from '../support/oidc-server.js';
import { runAction, type ActionRun } from '../support/run-action.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { ACCOUNT_ID, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../examples/handler');
const docs = setupDocuments({
  project: 'svc',
  region: 'us-east-1',
  accountId: ACCOUNT_ID,
  repository: 'octo/svc',
});
const ROLE = docs.deployRoles.production.arn;

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fake-aws-dist-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

const details = (run: ActionRun) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

describe('node dist/index.js against the fake AWS', () => {
  let aws: FakeAws;
  let site: Server;
  let siteUrl: string;

  beforeAll(async () => {
    // The stage's URL: a local server answering 200, as the deployed function would.
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"message":"Hello"}');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    // The action sleeps for real between polls: every request moves the account on 500 ms.
    aws = await startFakeAws({
      tickPerRequestMs: 500,
      timings: { rolePropagationMs: 1_000 },
      stageUrl: (api) => `${siteUrl}/${api.name}`,
    });
    // `lambda-deploy setup`, run once by an administrator: OIDC provider, boundary, both deploy roles, both execution roles, bucket.
    const report = await runSetup(
      aws.clients(),
      docs,
      { dryRun: false },
      { logger: new RecordingLogger(), sleep: aws.clock.sleep },
    );
    expect(report.changes.length).toBeGreaterThan(5);
    aws.calls.clear();
  });
  afterAll(async () => {
    await aws?.close();
    await new Promise((r) => site?.close(r));
  });

  test('a push to main signs in through OIDC and deploys: role, bucket, artifact, function, alias, HTTP API', async () => {
    const oidc: OidcServer = await startOidcServer();
    try {
      const run = await runAction({
        inputs: { name: 'svc', 'role-to-assume': ROLE, 'smoke-timeout': '5' },
        workspace: workspace(),
        env: { ...aws.env(), ...oidc.env() },
        timeoutMs: 90_000,
      });
      if (run.code !== 0) throw new Error(details(run));
      expect(run.outputs).toMatchObject({
        url: `${siteUrl}/svc-main`,
        'function-name': 'svc-main',
        version: '1',
        changed: 'true',
      });
      const assume = aws.calls.of({ operation: 'AssumeRoleWithWebIdentity' });
      expect(assume.map((c) => c.status)).toEqual([200]);
      const issued = aws.account.issued[0]!;
      // Every other call is signed with the assumed role's key (the fake refuses unknown keys).
      expect(
        new Set(
          aws.calls.calls
            .filter((c) => c.operation !== 'AssumeRoleWithWebIdentity')
            .map((c) => c.accessKeyId),
        ),
      ).toEqual(new Set([issued.accessKeyId]));
      expect(
        aws.calls
          .of({ service: 's3' })
          .filter((c) => c.operation !== 'CreateBucket')
          .every((c) => c.input.ExpectedBucketOwner === ACCOUNT_ID),
      ).toBe(true);
      const fn = aws.account.functions.get('svc-main')!;
      expect(fn.aliases.get('live')?.FunctionVersion).toBe('1');
      expect(fn.latest.CodeSha256).toBe(run.outputs['code-sha256']);
      expect(aws.calls.calls.filter((c) => c.status >= 500)).toEqual([]);
    } finally {
      await oidc.close();
    }
  }, 120_000);

  test('the trust policies setup wrote: a pull request may use the preview role, never the production role', async () => {
    const oidc = await startOidcServer({ sub: 'repo:octo/svc:pull_request' });
    try {
      const token = async () =>
        (
          (await (
            await fetch(`${oidc.url}&audience=sts.amazonaws.com`, {
              headers: { authorization: `Bearer ${oidc.requestToken}` },
            })
          ).json()) as { value: string }
        ).value;
      const sts = new STSClient({
        region: aws.region,
        endpoint: aws.url,
        credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
        maxAttempts: 1,
      });
      const assume = async (roleArn: string) =>
        sts
          .send(
            new AssumeRoleWithWebIdentityCommand({
              RoleArn: roleArn,
              RoleSessionName: 'lambda-deploy-1',
              WebIdentityToken: await token(),
            }),
          )
          .then(
            () => 'allowed',
            (e: Error) => e.name,
          );
      expect(await assume(docs.deployRoles.preview.arn)).toBe('allowed');
      expect(await assume(docs.deployRoles.production.arn)).toBe('AccessDenied');
    } finally {
      await oidc.close();
    }
  });

  test("a pull request's token cannot assume the production role: the action fails before anything is created", async () => {
    const oidc = await startOidcServer({
      sub: 'repo:octo/svc:pull_request',
      ref: 'refs/pull/7/merge',
      event_name: 'pull_request',
    });
    const before = aws.calls.calls.length;
    try {
      const run = await runAction({
        inputs: { name: 'svc', stage: 'pr-7', 'role-to-assume': ROLE },
        eventName: 'push',
        workspace: workspace(),
        env: { ...aws.env(), ...oidc.env() },
        timeoutMs: 90_000,
      });
      expect(run.code).not.toBe(0);
      expect(run.stdout + run.stderr).toMatch(/Not authorized to perform sts:AssumeRoleWithWebIdentity/);
      const after = aws.calls.calls.slice(before);
      expect(after.map((c) => c.operation)).toEqual(after.map(() => 'AssumeRoleWithWebIdentity'));
      expect(aws.account.functions.has('svc-pr-7')).toBe(false);
    } finally {
      await oidc.close();
    }
  }, 120_000);
});
