/**
 * A stage's access log destination (API Gateway CreateStage / UpdateStage, REST and HTTP APIs)
 * names any log group of the account, and API Gateway writes there with its own role (the
 * account's CloudWatch role for REST APIs), never the caller's: IAM sees only the request key
 * `apigateway:Request/AccessLoggingDestination`. A pull request's preview could point its own
 * API's stage at production's log group and write lines of its choosing into it (its format is
 * free text beside $context.requestId): the lines metric filters, alarms and subscriptions read,
 * which the preview execution role is denied writing (EXECUTION_POLICY_SIDS.notProductionLogs).
 * lambda-deploy never sets access logs: the preview role may send no destination at all.
 */
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { evaluate, missingPermissions, type RequestContext } from '../support/policy-check.js';
import { sarActions } from '../support/sar.js';
import { A, R, base } from '../support/shop-policy.js';

const preview = deployRolePolicy({ ...base, role: 'preview' });
const production = deployRolePolicy({ ...base, role: 'production' });

/** The preview's own API (its tags, as API Gateway gives a stage its API's). */
const ownApi: RequestContext = {
  'aws:ResourceTag/lambda-deploy:name': 'shop',
  'aws:ResourceTag/lambda-deploy:stage': 'pr-7',
  'aws:ResourceTag/lambda-deploy:repository': 'octo/shop',
};
const intoProduction: RequestContext = {
  ...ownApi,
  'apigateway:Request/AccessLoggingDestination': `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-main`,
};
const api = (path: string) => `arn:aws:apigateway:${R}::${path}`;
const stageWrites: [string, string][] = [
  ['apigateway:POST', api('/restapis/a1/stages')],
  ['apigateway:PATCH', api('/restapis/a1/stages/pr-7')],
  ['apigateway:POST', api('/apis/h1/stages')],
  ['apigateway:PATCH', api('/apis/h1/stages/$default')],
];

describe("the preview role and a stage's access log destination", () => {
  it.each(stageWrites)('%s %s naming a log group is refused', (action, resource) => {
    expect(evaluate(preview, action, resource, intoProduction)).not.toBe('allowed');
  });

  it.each(stageWrites)('%s %s without one (what the deploy sends) stays allowed', (action, resource) => {
    expect(evaluate(preview, action, resource, ownApi)).toBe('allowed');
  });

  it('the production role is unchanged: its own stages may log where it says', () => {
    const own = { ...intoProduction, 'aws:ResourceTag/lambda-deploy:stage': 'main' };
    for (const [action, resource] of stageWrites)
      expect(evaluate(production, action, resource, own)).toBe('allowed');
  });
});

describe('the condition key', () => {
  it("is in AWS's list for creating and changing a stage, of REST and HTTP APIs alike", async () => {
    const actions = await sarActions('apigateway');
    for (const [verb, type] of [
      ['POST', 'Stages'],
      ['PATCH', 'Stage'],
    ] as const) {
      const found = actions.find((a) => a.action === `apigateway:${verb}`)!;
      const rt = found.resourceTypes.find((r) => r.name === type)!;
      expect(rt.arns).toEqual(
        expect.arrayContaining([expect.stringContaining('/apis/'), expect.stringContaining('/restapis/')]),
      );
      expect(rt.conditionKeys).toContain('apigateway:Request/AccessLoggingDestination');
    }
  });
});

/**
 * What the coverage test (test/iam/policy-coverage.test.ts) sees of the deploy's own stage calls: the key
 * is in the context only when a request sends a destination. "lambda-deploy never sets one" is held by
 * that test only if the model puts the key there when one is sent.
 */
describe('the request context of a stage call', () => {
  const scope = { region: R, accountId: A };
  const tags = (arn: string) =>
    /\/(apis|restapis)\/(h1|a1)$/.test(arn)
      ? { 'lambda-deploy:name': 'shop', 'lambda-deploy:stage': 'pr-7' }
      : undefined;
  const group = `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-main`;
  const calls: [string, 'apiGateway' | 'apiGatewayV2', string, Record<string, unknown>][] = [
    [
      'HTTP API CreateStage',
      'apiGatewayV2',
      'CreateStageCommand',
      {
        ApiId: 'h1',
        StageName: 'pr-7',
        AccessLogSettings: { DestinationArn: group, Format: '$context.requestId' },
      },
    ],
    [
      'HTTP API UpdateStage',
      'apiGatewayV2',
      'UpdateStageCommand',
      { ApiId: 'h1', StageName: '$default', AccessLogSettings: { DestinationArn: group } },
    ],
    [
      'REST API UpdateStage',
      'apiGateway',
      'UpdateStageCommand',
      {
        restApiId: 'a1',
        stageName: 'pr-7',
        patchOperations: [{ op: 'replace', path: '/accessLogSettings/destinationArn', value: group }],
      },
    ],
  ];

  it.each(calls)(
    "%s sending a destination is refused to the preview role, not to production's",
    (_, service, command, input) => {
      expect(missingPermissions(preview, service, command, input, scope, { tags })).toHaveLength(1);
      expect(
        missingPermissions(production, service, command, input, scope, {
          tags: (arn) => tags(arn) && { ...tags(arn), 'lambda-deploy:stage': 'main' },
        }),
      ).toEqual([]);
    },
  );

  it.each(calls)('%s without one is allowed', (_, service, command, input) => {
    const { AccessLogSettings: _logs, patchOperations: _ops, ...rest } = input;
    const other =
      service === 'apiGateway'
        ? { patchOperations: [{ op: 'replace', path: '/deploymentId', value: 'd2' }] }
        : {};
    expect(missingPermissions(preview, service, command, { ...rest, ...other }, scope, { tags })).toEqual([]);
  });
});
