/**
 * The bundled action deploying to AWS the way the runner runs it:
 * `node dist/index.js` with INPUT_* / GITHUB_* env, against a fake AWS on
 * 127.0.0.1 reached through the SDK's own AWS_ENDPOINT_URL, a local OIDC token
 * endpoint, the GitHub API recorder and a local server standing in for the
 * stage's URL. Issues 3 (deploy) and 4 (smoke test, rollback, reports).
 *
 * Build the bundle first (`node scripts/build.mjs .tmp/dist-e2e-aws`) and run
 * with LAMBDA_DEPLOY_DIST=.tmp/dist-e2e-aws/index.js, or against dist/.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FakeAws } from '../../fakes/aws/index.js';
import { observe } from '../../fakes/aws/services/lambda-model.js';
import { startFakeAwsForAction } from '../support/action-aws.js';
import { startOidcServer, type OidcServer } from '../support/oidc-server.js';
import { startSmokeTarget, type SmokeTarget } from '../support/smoke-target.js';
import { startGitHubRecorder, type GitHubRecorder } from '../support/github-recorder.js';
import { runAction, type ActionRun } from '../support/run-action.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../examples/handler');
const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const RUN_URL = 'https://github.com/octo/svc/actions/runs/4242';
const TIMEOUT = 90_000;

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aws-e2e-ws-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

const base64Sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as unknown;

/** What the runner shows: stdout without the add-mask commands (the runner consumes those). */
function shown(run: ActionRun): string {
  return run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

/** The secret appears nowhere the runner shows or keeps. */
function expectAbsent(run: ActionRun, secret: string): void {
  expect(secret.length).toBeGreaterThan(8);
  expect(shown(run)).not.toContain(secret);
  expect(run.stderr).not.toContain(secret);
  expect(run.summary).not.toContain(secret);
  expect(JSON.stringify(run.outputs)).not.toContain(secret);
}

/** The secret is masked for the runner (`::add-mask::`) and appears nowhere else. */
function expectHidden(run: ActionRun, secret: string): void {
  expect(run.stdout).toContain(`::add-mask::${secret}`);
  expectAbsent(run, secret);
}

function details(run: ActionRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- summary\n${run.summary}`;
}

const WRITES = /^(Create|Update|Put|Publish|Delete|Add|Remove|Tag|Upload|Complete)/;

describe('push to main, signed in through OIDC (role-to-assume)', () => {
  let aws: FakeAws;
  let oidc: OidcServer;
  let smoke: SmokeTarget;
  let github: GitHubRecorder;
  let ws: string;
  let first: ActionRun;

  beforeAll(async () => {
    [oidc, smoke, github] = await Promise.all([startOidcServer(), startSmokeTarget(), startGitHubRecorder()]);
    aws = await startFakeAwsForAction({ stageUrl: smoke.stageUrlFor });
    aws.seed.setup('svc'); // lambda-deploy setup ran: previews need the preview execution role
    // The deploy role: STS lets in a GitHub token of octo/svc's main branch, by its trust policy.
    aws.seed.githubDeployRole('deploy', ['repo:octo/svc:ref:refs/heads/main']);
    ws = workspace();
  });
  afterAll(async () => {
    await Promise.all([aws?.close(), oidc?.close(), smoke?.close(), github?.close()]);
  });

  const deploy = (extra: { inputs?: Record<string, string>; env?: Record<string, string> } = {}) =>
    runAction({
      inputs: { name: 'svc', 'role-to-assume': ROLE, 'smoke-timeout': '3', ...extra.inputs },
      workspace: ws,
      env: { ...aws.env(), ...oidc.env(), ...extra.env },
    });

  test(
    '(a) first deploy: creates everything, writes the outputs and the summary, never shows the credentials',
    async () => {
      first = await deploy();
      expect(first.code).toBe(0);
      if (first.code !== 0) throw new Error(details(first));

      // Sign-in: the token was asked for sts.amazonaws.com with the request token, then exchanged.
      expect(oidc.requests).toEqual([
        { audience: 'sts.amazonaws.com', authorization: `Bearer ${oidc.requestToken}`, status: 200 },
      ]);
      const assume = aws.calls.of({ operation: 'AssumeRoleWithWebIdentity' });
      expect(assume).toHaveLength(1);
      expect(assume[0]?.input).toMatchObject({ RoleArn: ROLE, RoleSessionName: 'lambda-deploy-4242' });
      expect(aws.account.issued).toHaveLength(1);
      expect(aws.account.issued[0]?.claims).toEqual(claimsOf(oidc.tokens[0]!));
      const issued = aws.account.issued[0]!;
      // Every other call is signed with the assumed role's key (the fake refuses unknown keys).
      const signed = aws.calls.calls.filter((r) => r.operation !== 'AssumeRoleWithWebIdentity');
      expect(signed.length).toBeGreaterThan(10);
      expect(new Set(signed.map((r) => r.accessKeyId))).toEqual(new Set([issued.accessKeyId]));
      for (const secret of [issued.secretAccessKey, issued.sessionToken, oidc.tokens[0]!, oidc.requestToken])
        expectHidden(first, secret);

      // The outputs of DESIGN.md.
      const zip = readFileSync(first.outputs['package-path']!);
      const fn = aws.account.functions.get('svc-main')!;
      const api = [...aws.account.httpApis.values()][0]!;
      expect(first.outputs).toMatchObject({
        url: `${smoke.url}/svc-main`,
        stage: 'main',
        'function-name': 'svc-main',
        'function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:svc-main',
        version: '1',
        'code-sha256': base64Sha256(zip),
        'package-bytes': String(zip.length),
        changed: 'true',
        'rolled-back': 'false',
        'api-id': api.ApiId,
      });
      expect(Number(first.outputs['unpacked-bytes'])).toBeGreaterThan(0);
      expect(fn.latest.CodeSha256).toBe(first.outputs['code-sha256']);

      // The artifact: content-addressed, in a locked-down default bucket.
      const hex = createHash('sha256').update(zip).digest('hex');
      const bucket = aws.account.buckets.get('lambda-deploy-123456789012-us-east-1')!;
      expect(aws.object(bucket.name, `lambda-deploy/svc/${hex}.zip`)).toEqual(zip);
      expect([...bucket.settings.keys()].sort()).toEqual([
        'encryption',
        'lifecycle',
        'ownershipControls',
        'publicAccessBlock',
      ]);
      expect(bucket.settings.get('publicAccessBlock')).toContain(
        '<RestrictPublicBuckets>true</RestrictPublicBuckets>',
      );
      expect(bucket.settings.get('lifecycle')).toContain('lambda-deploy/');
      for (const r of aws.calls.of({ service: 's3' }).filter((r) => r.operation !== 'CreateBucket'))
        expect(r.input.ExpectedBucketOwner).toBe('123456789012');

      // The function: created from that artifact, waited for (Pending, then Active), version 1 behind live.
      expect(fn.codeSource).toEqual({ bucket: bucket.name, key: `lambda-deploy/svc/${hex}.zip` });
      expect(observe(fn, aws.clock.now())).toMatchObject({
        Runtime: 'python3.12',
        Handler: 'app.handler',
        State: 'Active',
        LastUpdateStatus: 'Successful',
      });
      expect(fn.latest.Role).toBe('arn:aws:iam::123456789012:role/svc-lambda-deploy');
      expect(
        aws.calls.operations('lambda').filter((o) => o === 'GetFunctionConfiguration').length,
      ).toBeGreaterThanOrEqual(2);
      expect(fn.aliases.get('live')?.FunctionVersion).toBe('1');
      expect(fn.tags).toMatchObject({
        'lambda-deploy:name': 'svc',
        'lambda-deploy:stage': 'main',
        'lambda-deploy:repository': 'octo/svc',
        'lambda-deploy:ref': 'main',
      });
      // The front door: a tagged HTTP API invoking the alias, allowed by a permission limited to that API.
      expect(api.Tags).toMatchObject({ 'lambda-deploy:name': 'svc', 'lambda-deploy:stage': 'main' });
      expect([...api.integrations.values()]).toEqual([
        expect.objectContaining({
          integrationType: 'AWS_PROXY',
          integrationUri: `${fn.arn}:live`,
          payloadFormatVersion: '2.0',
        }),
      ]);
      expect(api.stages.get('$default')).toMatchObject({ autoDeploy: true });
      expect(fn.policies.get('live')?.statements).toEqual([
        expect.objectContaining({
          Principal: { Service: 'apigateway.amazonaws.com' },
          Condition: {
            ArnLike: { 'AWS:SourceArn': `arn:aws:execute-api:us-east-1:123456789012:${api.ApiId}/*/*` },
          },
        }),
      ]);

      // The smoke test reached the stage's URL; the summary says so.
      expect(smoke.requestsOf('svc-main').map((r) => r.path)).toEqual(['/svc-main/']);
      expect(first.summary).toContain(`${smoke.url}/svc-main`);
      expect(first.summary).toMatch(/Smoke test.*passed/);
    },
    TIMEOUT,
  );

  test(
    '(b) the same again: changed=false, nothing uploaded, updated or published',
    async () => {
      aws.calls.clear();
      const again = await deploy();
      expect(again.code).toBe(0);
      if (again.code !== 0) throw new Error(details(again));
      expect(again.outputs).toMatchObject({
        url: first.outputs.url,
        version: '1',
        changed: 'false',
        'rolled-back': 'false',
        'code-sha256': first.outputs['code-sha256'],
        'api-id': first.outputs['api-id'],
      });
      // The only writes: the run's lambda-deploy:deploying mark, set at the start and removed at the end.
      const writes = aws.calls.operations().filter((o) => WRITES.test(o.split(':')[1]!));
      expect(writes).toEqual(['lambda:TagResource']);
      const marks = aws.calls.calls.filter((r) => /^(Tag|Untag)Resource$/.test(r.operation));
      expect(marks.map((r) => [r.operation, JSON.stringify(r.input)])).toEqual([
        ['TagResource', expect.stringContaining('"lambda-deploy:deploying"')],
        ['UntagResource', expect.stringContaining('lambda-deploy:deploying')],
      ]);
      expect(aws.account.functions.get('svc-main')?.tags['lambda-deploy:deploying']).toBeUndefined();
      expect(aws.calls.operations('s3')).not.toContain('PutObject');
      expect(aws.calls.operations('lambda')).not.toContain('PublishVersion');
      const counts = aws.calls.counts();
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      console.log(
        `AWS calls of an unchanged redeploy (OIDC sign-in included): ${total}\n` +
          Object.entries(counts)
            .map(([op, n]) => `  ${op} ${n}`)
            .join('\n'),
      );
      expect(again.summary).toContain(first.outputs.url);
    },
    TIMEOUT,
  );

  test(
    '(e) a code change that fails the smoke test is rolled back, with the logs and a failed Deployment',
    async () => {
      writeFileSync(
        join(ws, 'app.py'),
        readFileSync(join(ws, 'app.py'), 'utf8').replace(
          '"Hello, {name}!"',
          '"Hello, {name}!" if 1 / 0 else ""',
        ),
      );
      smoke.answer('svc-main', () => ({ status: 500, body: '{"message": "Internal Server Error"}' }));
      aws.setFunctionLogs('svc-main', [
        'START RequestId: 6f1c Version: 2',
        '[ERROR] ZeroDivisionError: division by zero',
        'Traceback (most recent call last):',
        '  File "/var/task/app.py", line 9, in handler',
        'ZeroDivisionError: division by zero',
        'END RequestId: 6f1c',
      ]);
      aws.calls.clear();
      const run = await deploy({
        inputs: { 'github-token': 'ghs_fakeToken123456' },
        env: { GITHUB_API_URL: github.url },
      });

      expect(run.code).not.toBe(0);
      // Each said once in the log: the rollback as a line (what went back to which version), the error as the failure.
      // (The runner shows ::debug:: lines only with debug logging on.)
      const lines = (text: string) =>
        run.stdout.split('\n').filter((line) => line.includes(text) && !line.startsWith('::debug::'));
      expect(lines('Smoke test failed')).toEqual([
        expect.stringMatching(
          /^::error::Smoke test failed: GET \S+ answered 500, expected 200-399 after \d+ attempts within smoke-timeout \d+ s\.$/,
        ),
      ]);
      expect(lines('olled back')).toEqual([
        'Rolled back: alias live of svc-main points at version 1 again; the stage is serving the previous version (version 2 failed the smoke test).',
      ]);
      expect(run.outputs).toMatchObject({ 'rolled-back': 'true', version: '1', changed: 'true' });
      expect(run.outputs['code-sha256']).not.toBe(first.outputs['code-sha256']);

      // Version 2 was published and live moved to it, then back to 1.
      const fn = aws.account.functions.get('svc-main')!;
      expect(fn.versions.has('2')).toBe(true);
      expect(fn.latest.CodeSha256).toBe(run.outputs['code-sha256']);
      expect(fn.aliases.get('live')?.FunctionVersion).toBe('1');
      const aliasMoves = aws.calls.of({ operation: 'UpdateAlias' }).map((r) => r.input.FunctionVersion);
      expect(aliasMoves).toEqual(['2', '1']);
      expect(aws.calls.operations('s3').filter((o) => o === 'PutObject')).toHaveLength(1);
      expect(aws.calls.operations('lambda').filter((o) => o === 'UpdateFunctionCode')).toHaveLength(1);
      expect(aws.calls.operations('lambda').filter((o) => o === 'PublishVersion')).toHaveLength(1);
      expect(smoke.requestsOf('svc-main').filter((r) => r.status === 500).length).toBeGreaterThanOrEqual(2);

      // The summary: the rollback and the function's logs.
      expect(run.summary).toContain('Rolled back');
      expect(run.summary).toContain('ZeroDivisionError: division by zero');
      expect(run.summary).toContain('Traceback (most recent call last)');
      expect(aws.calls.of({ operation: 'FilterLogEvents' })[0]?.input.logGroupName).toBe(
        '/aws/lambda/svc-main',
      );

      // The GitHub Deployment of svc/main: in progress, then failure pointing at the run.
      expect(github.deployments).toHaveLength(1);
      expect(github.deployments[0]).toMatchObject({ environment: 'svc/main', transientEnvironment: false });
      const states = github.statusesOf(github.deployments[0]!.id);
      expect(states.map((s) => s.state)).toEqual(['in_progress', 'failure']);
      expect(states[1]?.logUrl).toBe(RUN_URL);
      expect(shown(run)).not.toContain('ghs_fakeToken123456');
    },
    TIMEOUT,
  );

  test(
    "(f) a variable set outside the workflow (a key pasted in the console) is kept, and its value is hidden like the input's",
    async () => {
      const PASTED = 'pk9f2Qm7Zr4Lw8Xb';
      const fn = aws.account.functions.get('svc-main')!;
      fn.latest.Environment = { Variables: { ...fn.latest.Environment?.Variables, PAYMENT_KEY: PASTED } };
      // The broken app of (e) answers with the value, and logs it: what a real app's error page or traceback shows.
      smoke.answer('svc-main', () => ({ status: 500, body: `{"message": "refused for key ${PASTED}"}` }));
      aws.setFunctionLogs('svc-main', [
        'START RequestId: 7a2d Version: 3',
        `[ERROR] PaymentError: key ${PASTED} refused`,
        'END RequestId: 7a2d',
      ]);
      const run = await deploy();

      expect(run.code).not.toBe(0);
      expect(run.summary).toContain('PaymentError: key *** refused');
      expect(fn.latest.Environment?.Variables?.PAYMENT_KEY).toBe(PASTED);
      expectHidden(run, PASTED);
    },
    TIMEOUT,
  );
});

describe('push with the ambient credentials (no role-to-assume)', () => {
  let aws: FakeAws;
  let smoke: SmokeTarget;

  beforeAll(async () => {
    smoke = await startSmokeTarget();
    aws = await startFakeAwsForAction({ stageUrl: smoke.stageUrlFor });
    aws.seed.setup('svc'); // lambda-deploy setup ran: previews need the preview execution role
  });
  afterAll(async () => {
    await Promise.all([aws?.close(), smoke?.close()]);
  });

  test(
    '(d) a new front door answering 503 twice, then 200, passes after retries',
    async () => {
      smoke.answer('svc-flaky', (attempt) =>
        attempt <= 2 ? { status: 503, body: 'Service Unavailable' } : { status: 200, body: 'ok' },
      );
      const run = await runAction({
        inputs: { name: 'svc', 'smoke-timeout': '20' },
        ref: 'refs/heads/flaky',
        workspace: workspace(),
        // One endpoint variable per service this time: none of them is hard-wired.
        env: { ...aws.envPerService(), ...aws.staticCredentialsEnv() },
      });
      expect(run.code).toBe(0);
      if (run.code !== 0) throw new Error(details(run));
      expect(run.outputs).toMatchObject({
        stage: 'flaky',
        'function-name': 'svc-flaky',
        url: `${smoke.url}/svc-flaky`,
        version: '1',
      });
      expect(smoke.requestsOf('svc-flaky').map((r) => r.status)).toEqual([503, 503, 200]);
      expect(run.summary).toMatch(/passed: .*after 3 attempts/);

      // The SDK's default chain: the environment's key signs everything; no STS exchange.
      expect(aws.calls.operations('sts')).toEqual(['GetCallerIdentity']);
      // Every client found the fake through its own variable (logs: the deploy makes the stage's log group).
      expect(new Set(aws.calls.calls.map((r) => r.service))).toEqual(
        new Set(['sts', 's3', 'iam', 'lambda', 'apiGatewayV2', 'events', 'logs']),
      );
      expect(new Set(aws.calls.calls.map((r) => r.accessKeyId))).toEqual(
        new Set([aws.staticCredentials.accessKeyId]),
      );
      expectAbsent(run, aws.staticCredentials.secretAccessKey);
    },
    TIMEOUT,
  );
});

describe('pull request previews', () => {
  let aws: FakeAws;
  let smoke: SmokeTarget;
  let github: GitHubRecorder;

  beforeAll(async () => {
    [smoke, github] = await Promise.all([startSmokeTarget(), startGitHubRecorder()]);
    aws = await startFakeAwsForAction({ stageUrl: smoke.stageUrlFor });
    aws.seed.setup('svc'); // lambda-deploy setup ran: previews need the preview execution role
  });
  afterAll(async () => {
    await Promise.all([aws?.close(), smoke?.close(), github?.close()]);
  });

  const payload = (action: string, sha: string) => ({
    action,
    number: 12,
    pull_request: {
      number: 12,
      head: { ref: 'feature-login', sha, repo: { full_name: 'octo/svc' } },
      base: { ref: 'main', repo: { full_name: 'octo/svc' } },
    },
    repository: { full_name: 'octo/svc' },
  });

  test(
    '(c) opened then synchronize: one sticky comment, created then updated; a Deployment with statuses',
    async () => {
      const ws = workspace();
      const run = (action: string, sha: string) =>
        runAction({
          inputs: { name: 'svc', 'github-token': 'ghs_fakeToken123456' },
          eventName: 'pull_request',
          ref: 'refs/pull/12/merge',
          payload: payload(action, sha),
          workspace: ws,
          env: { ...aws.env(), ...aws.staticCredentialsEnv(), GITHUB_API_URL: github.url },
        });

      const opened = await run('opened', 'a'.repeat(40));
      expect(opened.code).toBe(0);
      if (opened.code !== 0) throw new Error(details(opened));
      expect(opened.outputs).toMatchObject({
        stage: 'pr-12',
        'function-name': 'svc-pr-12',
        url: `${smoke.url}/svc-pr-12`,
      });
      expect(github.comments).toHaveLength(1);
      const comment = github.comments[0]!;
      expect(comment.issue).toBe(12);
      expect(comment.body).toContain(`${smoke.url}/svc-pr-12`);

      writeFileSync(join(ws, 'app.py'), `${readFileSync(join(ws, 'app.py'), 'utf8')}\n# second push\n`);
      const synced = await run('synchronize', 'b'.repeat(40));
      expect(synced.code).toBe(0);
      if (synced.code !== 0) throw new Error(details(synced));
      expect(synced.outputs).toMatchObject({ version: '2', changed: 'true' });

      // One comment, created on the first push and edited in place on the second.
      expect(github.comments).toHaveLength(1);
      expect(github.comments[0]?.id).toBe(comment.id);
      const commentWrites = github.requests.filter((r) => r.path.includes('/comments') && r.method !== 'GET');
      expect(commentWrites.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /repos/octo/svc/issues/12/comments',
        `PATCH /repos/octo/svc/issues/comments/${comment.id}`,
      ]);
      expect(github.comments[0]?.body).toMatch(/Version\W+2/);

      // A transient Deployment per push, on the pull request's head commit, ending in success with the URL;
      // the second push's success leaves the first inactive (GitHub does not for transient environments).
      expect(github.deployments.map((d) => [d.environment, d.ref, d.transientEnvironment])).toEqual([
        ['svc/pr-12', 'a'.repeat(40), true],
        ['svc/pr-12', 'b'.repeat(40), true],
      ]);
      const states = github.deployments.map((d) => github.statusesOf(d.id).map((s) => s.state));
      expect(states).toEqual([
        ['in_progress', 'success', 'inactive'],
        ['in_progress', 'success'],
      ]);
      for (const d of github.deployments)
        expect(github.statusesOf(d.id)[1]?.environmentUrl).toBe(`${smoke.url}/svc-pr-12`);
    },
    TIMEOUT,
  );

  test(
    '(f) a JSON key set in the console, whose field the app prints alone: hidden from the comment, the Deployment, the summary and the log',
    async () => {
      // Pretty-printed (several lines) as the console keeps it; the app parses it and prints one field.
      const FIELD = 'Pk-Field-9x7Q2wLm';
      const fn = aws.account.functions.get('svc-pr-12')!;
      const KEY_JSON = JSON.stringify({ client_id: 'svc-client', private_key: FIELD }, null, 2);
      fn.latest.Environment = { Variables: { ...fn.latest.Environment?.Variables, GCP_KEY: KEY_JSON } };
      smoke.answer('svc-pr-12', () => ({ status: 500, body: `refused: key ${FIELD} expired` }));
      aws.setFunctionLogs('svc-pr-12', [
        'START RequestId: 9c1e Version: 3',
        `[ERROR] KeyError: key ${FIELD} expired`,
        'END RequestId: 9c1e',
      ]);
      const before = { comments: github.comments.length, deployments: github.deployments.length };
      const run = await runAction({
        inputs: {
          name: 'svc',
          'github-token': 'ghs_fakeToken123456',
          'public-comment-logs': 'true',
          'smoke-timeout': '3',
        },
        eventName: 'pull_request',
        ref: 'refs/pull/12/merge',
        payload: payload('synchronize', 'c'.repeat(40)),
        workspace: workspace(),
        env: { ...aws.env(), ...aws.staticCredentialsEnv(), GITHUB_API_URL: github.url },
      });

      expect(run.code).not.toBe(0);
      expectHidden(run, FIELD);
      expect(run.summary).toContain(`key *** expired`);
      // The sticky comment (edited in place) and the new Deployment's statuses, posted through the API.
      expect(github.comments).toHaveLength(before.comments);
      expect(github.comments[0]!.body).toContain('key *** expired');
      expect(github.comments[0]!.body).not.toContain(FIELD);
      const deployment = github.deployments.at(-1)!;
      expect(github.deployments).toHaveLength(before.deployments + 1);
      const statuses = github.statusesOf(deployment.id);
      expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
      expect(JSON.stringify([deployment, statuses])).not.toContain(FIELD);
      const posted = github.requests.filter((r) => r.method !== 'GET').map((r) => JSON.stringify(r.body));
      expect(posted.join('\n')).not.toContain(FIELD);
    },
    TIMEOUT,
  );
});

describe('refusals before any AWS call', () => {
  let aws: FakeAws;

  beforeAll(async () => {
    aws = await startFakeAwsForAction();
    aws.seed.setup('svc'); // lambda-deploy setup ran: previews need the preview execution role
  });
  afterAll(async () => {
    await aws?.close();
  });

  test(
    '(f) role-to-assume without `permissions: id-token: write` fails naming the permission',
    async () => {
      const run = await runAction({
        inputs: { name: 'svc', 'role-to-assume': ROLE },
        workspace: workspace(),
        env: aws.env(),
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^::error::.*id-token: write/m);
      expect(aws.calls.calls).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    '(f) invoke-mode: response-stream on the default gateway (http-api) fails naming both inputs, no AWS call',
    async () => {
      const run = await runAction({
        inputs: {
          name: 'svc',
          'role-to-assume': ROLE,
          runtime: 'nodejs22.x',
          handler: 'index.handler',
          'invoke-mode': 'response-stream',
        },
        workspace: workspace(),
        env: aws.env(),
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /^::error::.*invoke-mode, gateway: .*expected gateway function-url or rest-api/m,
      );
      expect(aws.calls.calls).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    '(f) api-key: true on a same-repository pull request is refused naming the input and the fix, no AWS call',
    async () => {
      const run = await runAction({
        inputs: { name: 'svc', 'role-to-assume': ROLE, gateway: 'rest-api', 'api-key': 'true' },
        eventName: 'pull_request',
        ref: 'refs/pull/14/merge',
        payload: {
          action: 'opened',
          number: 14,
          pull_request: {
            number: 14,
            head: { ref: 'feature', sha: 'd'.repeat(40), repo: { full_name: 'octo/svc' } },
            base: { ref: 'main', repo: { full_name: 'octo/svc' } },
          },
          repository: { full_name: 'octo/svc' },
        },
        workspace: workspace(),
        env: aws.env(),
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /^::error::api-key: true on a pull_request run: .*api-key: \$\{\{ !startsWith\(github\.event_name, 'pull_request'\) \}\}/m,
      );
      expect(aws.calls.calls).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    '(f) a pull request from a fork is skipped with a notice: exit 0, no AWS call at all',
    async () => {
      const run = await runAction({
        inputs: { name: 'svc', 'role-to-assume': ROLE },
        eventName: 'pull_request',
        ref: 'refs/pull/13/merge',
        payload: {
          action: 'opened',
          number: 13,
          pull_request: {
            number: 13,
            head: { ref: 'patch-1', sha: 'c'.repeat(40), repo: { full_name: 'stranger/svc' } },
            base: { ref: 'main', repo: { full_name: 'octo/svc' } },
          },
          repository: { full_name: 'octo/svc' },
        },
        workspace: workspace(),
        env: aws.env(),
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^::(warning|notice)::.*fork/m);
      expect(run.stdout).not.toContain('::error::');
      expect(run.summary).toContain('skipped');
      expect(run.outputs).toEqual({});
      expect(aws.calls.calls).toEqual([]);
    },
    TIMEOUT,
  );
});
