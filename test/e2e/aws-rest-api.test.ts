/**
 * `gateway: rest-api` with `api-key: true` through the bundled action
 * (issue 6): the REST API, its key and usage plan are created, kept on a
 * redeploy and removed by undeploy, and the key's value never shows: not in
 * stdout, stderr, GITHUB_OUTPUT or the summary; the runner is told to mask it.
 *
 * The smoke test is off: a REST API's URL is built by the action as
 * https://{id}.execute-api.{region}.amazonaws.com/{stage}, which no local
 * server can stand in for.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FakeAws } from '../../fakes/aws/index.js';
import { startFakeAwsForAction } from '../support/action-aws.js';
import { runAction, type ActionRun } from '../support/run-action.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../examples/handler');
const TIMEOUT = 90_000;
const KEY_VALUE = 'fakeApiKeyValue0Recognisable0Secret0Xy';

function details(run: ActionRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- summary\n${run.summary}`;
}

/** The key's value: masked for the runner, and nowhere else (GITHUB_OUTPUT read raw). */
function expectKeyHidden(run: ActionRun): void {
  const shown = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  expect(shown).not.toContain(KEY_VALUE);
  expect(run.stderr).not.toContain(KEY_VALUE);
  expect(run.summary).not.toContain(KEY_VALUE);
  expect(readFileSync(join(run.dir, 'github_output'), 'utf8')).not.toContain(KEY_VALUE);
  expect(run.stdout).toContain(`::add-mask::${KEY_VALUE}`);
}

describe('gateway: rest-api with api-key: true', () => {
  let aws: FakeAws;
  let ws: string;
  let first: ActionRun;

  const run = (inputs: Record<string, string> = {}) =>
    runAction({
      inputs: {
        name: 'svc',
        gateway: 'rest-api',
        'api-key': 'true',
        'throttle-rate': '10',
        'throttle-burst': '20',
        quota: '1000/day',
        'smoke-test': 'false',
        ...inputs,
      },
      ref: 'refs/heads/api',
      workspace: ws,
      env: { ...aws.env(), ...aws.staticCredentialsEnv() },
    });

  beforeAll(async () => {
    aws = await startFakeAwsForAction({ apiKeyValue: () => KEY_VALUE });
    aws.seed.setup('svc'); // lambda-deploy setup ran: previews need the preview execution role
    ws = mkdtempSync(join(tmpdir(), 'aws-e2e-ws-'));
    cpSync(EXAMPLE, ws, { recursive: true });
  });
  afterAll(async () => {
    await aws?.close();
  });

  test(
    'first deploy: API, methods requiring the key, usage plan and key; outputs the key id, never its value',
    async () => {
      first = await run();
      expect(first.code).toBe(0);
      if (first.code !== 0) throw new Error(details(first));

      const api = [...aws.account.restApis.values()][0]!;
      const key = [...aws.account.apiKeys.values()][0]!;
      const plan = [...aws.account.usagePlans.values()][0]!;
      expect(key.value).toBe(KEY_VALUE);
      expect(first.outputs).toMatchObject({
        url: `https://${api.id}.execute-api.us-east-1.amazonaws.com/api`,
        stage: 'api',
        'api-id': api.id,
        'api-key-id': key.id,
        version: '1',
        changed: 'true',
      });
      expectKeyHidden(first);
      expect(first.summary).toMatch(/skipped \(smoke-test: false\)/);

      // The REST API: tagged, ANY / and ANY /{proxy+} behind the key, proxying to the alias.
      const invocation = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:svc-api:live/invocations`;
      expect(api.tags).toMatchObject({ 'lambda-deploy:name': 'svc', 'lambda-deploy:stage': 'api' });
      const methods = [...api.resources.values()].map((r) => [r.path, r.methods.get('ANY')]);
      expect(methods).toEqual(
        expect.arrayContaining([
          [
            '/',
            expect.objectContaining({
              apiKeyRequired: true,
              methodIntegration: expect.objectContaining({
                type: 'AWS_PROXY',
                httpMethod: 'POST',
                uri: invocation,
              }),
            }),
          ],
          [
            '/{proxy+}',
            expect.objectContaining({
              apiKeyRequired: true,
              methodIntegration: expect.objectContaining({ type: 'AWS_PROXY', uri: invocation }),
            }),
          ],
        ]),
      );
      expect(methods).toHaveLength(2);
      expect(api.stages.get('api')).toMatchObject({ deploymentId: expect.any(String) });
      // The usage plan: bound to this stage, with the throttle and quota, the key linked.
      expect(plan).toMatchObject({
        apiStages: [{ apiId: api.id, stage: 'api' }],
        throttle: { rateLimit: 10, burstLimit: 20 },
        quota: { limit: 1000, period: 'DAY' },
        keyIds: [key.id],
      });
      expect(plan.tags).toMatchObject({ 'lambda-deploy:stage': 'api' });
      expect(key.tags).toMatchObject({ 'lambda-deploy:stage': 'api' });
      expect(aws.account.functions.get('svc-api')?.policies.get('live')?.statements).toEqual([
        expect.objectContaining({
          Condition: {
            ArnLike: { 'AWS:SourceArn': `arn:aws:execute-api:us-east-1:123456789012:${api.id}/*/*/*` },
          },
        }),
      ]);
    },
    TIMEOUT,
  );

  test(
    'a redeploy keeps the same key and makes no new deployment',
    async () => {
      aws.calls.clear();
      const again = await run();
      expect(again.code).toBe(0);
      if (again.code !== 0) throw new Error(details(again));
      expect(again.outputs).toMatchObject({
        'api-key-id': first.outputs['api-key-id'],
        'api-id': first.outputs['api-id'],
        changed: 'false',
      });
      expect(aws.account.apiKeys.size).toBe(1);
      const ops = aws.calls.operations('apiGateway');
      expect(ops).not.toContain('CreateApiKey');
      expect(ops).not.toContain('CreateDeployment');
      expect(ops.filter((o) => !o.startsWith('Get'))).toEqual([]);
      expectKeyHidden(again);
    },
    TIMEOUT,
  );

  test(
    'undeploy removes the usage plan, the key, the REST API and the function',
    async () => {
      aws.calls.clear();
      const removed = await run({ command: 'undeploy' });
      expect(removed.code).toBe(0);
      if (removed.code !== 0) throw new Error(details(removed));
      const writes = aws.calls.calls
        .filter((r) => !/^(Get|List|Describe|Head)/.test(r.operation))
        .map((r) => r.operation);
      expect(writes).toEqual([
        'DeleteUsagePlanKey',
        'UpdateUsagePlan',
        'DeleteUsagePlan',
        'DeleteApiKey',
        'DeleteRestApi',
        'DeleteFunction',
      ]);
      expect(aws.account.restApis.size).toBe(0);
      expect(aws.account.usagePlans.size).toBe(0);
      expect(aws.account.apiKeys.size).toBe(0);
      expect(aws.account.functions.size).toBe(0);
      expect(`${removed.stdout}${removed.summary}`).not.toContain(KEY_VALUE);
    },
    TIMEOUT,
  );
});
