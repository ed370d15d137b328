/**
 * Switching the `gateway` input of a stage (http-api -> rest-api,
 * function-url -> http-api, ...): once the new front door is live and passed
 * the smoke test, the deploy removes the old one it made (tags, or our
 * permission statements for a function URL), and the log says so. A failed
 * smoke test keeps the old one. Undeploy removes every kind of the stage.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { undeployStage } from '../../src/pipelines/undeploy.js';
import { oldFrontDoorKinds } from '../../src/resources/front-door/old-front-door.js';
import { RecordingLogger } from '../../src/util/logger.js';

let aws: FakeAws;
let dir: string;
let failInvoke = false;
beforeEach(async () => {
  failInvoke = false;
  aws = await startFakeAws({
    invoke: () => ({
      payload: JSON.stringify({ statusCode: failInvoke ? 500 : 200, body: failInvoke ? 'boom' : 'ok' }),
    }),
  });
  aws.seed.setup('shop');
  dir = appFolder();
});
afterEach(async () => {
  await aws.close();
  removeApp(dir);
});

const deploy = (gateway: string, extra: Record<string, string> = {}) =>
  deployApp(aws, dir, { inputs: { gateway, ...extra } });
const fn = () => aws.account.functions.get('shop-main')!;

describe('a deploy that switches the gateway type removes the old front door once the new one works', () => {
  it('http-api -> rest-api: the HTTP API goes, with its permission statement on live', async () => {
    const first = await deploy('http-api');
    expect(first.report.status).toBe('success');
    const httpApiId = first.report.apiId!;

    const second = await deploy('rest-api');
    expect(second.report.status).toBe('success');
    expect(aws.account.httpApis.has(httpApiId)).toBe(false);
    expect(aws.account.restApis.has(second.report.apiId!)).toBe(true);
    expect(second.logger.text('info')).toContain(
      `gateway is now rest-api: removed the http-api front door of stage main (HTTP API shop-main (${httpApiId}))`,
    );
    const sids = (fn().policies.get('live')?.statements ?? []).map((s) => s.Sid);
    expect(sids).toContain('lambda-deploy-rest-api');
    expect(sids).not.toContain('lambda-deploy-http-api');
  });

  it('rest-api with api-key -> http-api: REST API, usage plan and key go', async () => {
    const first = await deploy('rest-api', { 'api-key': 'true' });
    expect(first.report.status).toBe('success');
    const second = await deploy('http-api');
    expect(second.report.status).toBe('success');
    expect(aws.account.restApis.size + aws.account.usagePlans.size + aws.account.apiKeys.size).toBe(0);
    expect(aws.account.httpApis.has(second.report.apiId!)).toBe(true);
  });

  it('function-url -> http-api: the URL on live and its two public statements go', async () => {
    expect((await deploy('function-url')).report.status).toBe('success');
    expect(fn().urls.has('live')).toBe(true);
    const second = await deploy('http-api');
    expect(second.report.status).toBe('success');
    expect(fn().urls.has('live')).toBe(false);
    const sids = (fn().policies.get('live')?.statements ?? []).map((s) => s.Sid);
    expect(sids).toEqual(['lambda-deploy-http-api']);
    expect(second.logger.text('info')).toContain('removed the function-url front door of stage main');
  });

  it('function-url -> http-api: a URL its owner made private (AWS_IAM) stays; only our public statements go', async () => {
    expect((await deploy('function-url')).report.status).toBe('success');
    const url = fn().urls.get('live')!;
    fn().urls.set('live', { ...url, AuthType: 'AWS_IAM' } as never);
    const second = await deploy('http-api');
    expect(second.report.status).toBe('success');
    expect(fn().urls.get('live')?.AuthType).toBe('AWS_IAM');
    const sids = (fn().policies.get('live')?.statements ?? []).map((s) => s.Sid);
    expect(sids).toEqual(['lambda-deploy-http-api']);
    expect(second.logger.text('info')).toContain('auth AWS_IAM');
  });

  it('a stage from an older release (no gateway tag): the other kinds are looked for; a function URL someone else made on live stays', async () => {
    const first = await deploy('http-api');
    expect(first.report.status).toBe('success');
    delete fn().tags['lambda-deploy:gateway'];
    fn().urls.set('live', {
      FunctionUrl: 'https://theirs.lambda-url.us-east-1.on.aws/',
      FunctionArn: `${fn().arn}:live`,
      AuthType: 'AWS_IAM',
      InvokeMode: 'BUFFERED',
      CreationTime: fn().latest.LastModified,
      LastModifiedTime: fn().latest.LastModified,
    } as never);
    const second = await deploy('rest-api');
    expect(second.report.status).toBe('success');
    expect(fn().urls.has('live')).toBe(true);
    expect(aws.account.httpApis.has(first.report.apiId!)).toBe(false);
    expect(fn().tags['lambda-deploy:gateway']).toBe('rest-api');
  });

  it('a failed smoke test keeps the old front door', async () => {
    const first = await deploy('http-api');
    failInvoke = true;
    const second = await deploy('none', { 'smoke-test': 'true' });
    expect(second.report.status).toBe('failure');
    expect(aws.account.httpApis.has(first.report.apiId!)).toBe(true);
  });

  it('undeploy removes every kind of front door the stage has', async () => {
    const first = await deploy('http-api');
    const tags = { ...aws.account.httpApis.get(first.report.apiId!)!.Tags };
    const rest = await deploy('rest-api', { 'api-key': 'true' });
    // A stage switched before this release (or whose deploy could not remove it): both are there.
    if (!aws.account.httpApis.size) aws.seed.httpApi('shop-main', tags);
    expect(aws.account.httpApis.size).toBe(1);
    const outcome = await undeployStage(
      aws.clients(),
      {
        project: 'shop',
        stage: 'main',
        repository: 'octo/shop',
        functionName: 'shop-main',
        removeLogs: false,
        dryRun: false,
        protectedStages: [],
      },
      { logger: new RecordingLogger(), sleep: aws.clock.sleep, random: () => 1 },
    );
    expect(outcome.removed).toEqual(expect.arrayContaining([expect.stringContaining(rest.report.apiId!)]));
    expect(aws.account.httpApis.size + aws.account.restApis.size + aws.account.usagePlans.size).toBe(0);
    expect(aws.account.functions.size).toBe(0);
  });
});

describe('oldFrontDoorKinds: which kinds a deploy looks for after its smoke test', () => {
  it.each<[string, Record<string, string>, boolean, string, string[]]>([
    ['a new function', {}, true, 'http-api', []],
    ['the same kind', { 'lambda-deploy:gateway': 'http-api' }, false, 'http-api', []],
    ['another kind', { 'lambda-deploy:gateway': 'function-url' }, false, 'rest-api', ['function-url']],
    ['none before', { 'lambda-deploy:gateway': 'none' }, false, 'rest-api', []],
    ['an older release (no tag)', {}, false, 'http-api', ['rest-api', 'function-url']],
    ['an older release, now none', {}, false, 'none', ['http-api', 'rest-api', 'function-url']],
    ['a tag value we do not know', { 'lambda-deploy:gateway': 'grpc' }, false, 'http-api', []],
  ])('%s', (_, tags, created, now, kinds) => {
    expect(oldFrontDoorKinds(tags, created, now as never)).toEqual(kinds);
  });

  it.each<[string, Record<string, string>, boolean, string[]]>([
    ['the same kind', { 'lambda-deploy:gateway': 'http-api' }, false, ['rest-api', 'function-url']],
    ['another kind', { 'lambda-deploy:gateway': 'rest-api' }, false, ['rest-api', 'function-url']],
    ['a new function', { 'lambda-deploy:gateway': 'http-api' }, true, []],
  ])(
    'a protected stage a preview may have deployed does not trust the tag (a preview could write it): %s',
    (_, tags, created, kinds) => {
      expect(oldFrontDoorKinds(tags, created, 'http-api', true)).toEqual(kinds);
    },
  );
});
