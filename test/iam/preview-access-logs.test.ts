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
import type { DeployPolicyOptions } from '../../src/iam/deploy-policy-options.js';
import { evaluate, type RequestContext } from '../support/policy-check.js';
import { sarActions } from '../support/sar.js';

const R = 'eu-west-1';
const A = '123456789012';
const base: DeployPolicyOptions = {
  project: 'shop',
  region: R,
  accountId: A,
  gateway: 'all',
  managesExecutionRole: true,
  repository: 'octo/shop',
};
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
