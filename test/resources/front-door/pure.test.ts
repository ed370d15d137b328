import { describe, expect, test } from '@jest/globals';
import {
  parsePolicy,
  foreignStatements,
  permissionAction,
  statementMatches,
  type PermissionSpec,
} from '../../../src/resources/front-door/resource-policy.js';
import {
  desiredThrottle,
  httpRouteSettingsUpdate,
  restStageThrottlePatch,
  throttleDiffers,
  otherApiStages,
  usagePlanPatch,
  type UsagePlanState,
  usagePlanQuota,
} from '../../../src/resources/front-door/throttle.js';
import {
  httpApiSourceArn,
  lambdaInvocationUri,
  parseAliasArn,
  restApiSourceArn,
  restApiUrl,
  restStageName,
  trimUrl,
} from '../../../src/resources/front-door/urls.js';

const ALIAS = 'arn:aws:lambda:eu-west-1:123456789012:function:shop-pr-42:live';

describe('urls', () => {
  test('alias ARN parts', () => {
    expect(parseAliasArn(ALIAS)).toEqual({
      partition: 'aws',
      region: 'eu-west-1',
      accountId: '123456789012',
      functionName: 'shop-pr-42',
      qualifier: 'live',
    });
    expect(parseAliasArn('arn:aws-cn:lambda:cn-north-1:123456789012:function:f:live').partition).toBe(
      'aws-cn',
    );
  });

  test.each([
    'arn:aws:lambda:eu-west-1:123456789012:function:shop-pr-42',
    'shop-pr-42:live',
    'arn:aws:s3:::bucket',
  ])('%j is not an alias ARN', (arn) => {
    expect(() => parseAliasArn(arn)).toThrow(
      /expected an alias ARN like arn:aws:lambda:REGION:ACCOUNT:function:NAME:live/,
    );
  });

  test.each([
    ['pr-42', 'pr-42'],
    ['main', 'main'],
    ['feature-login-1a2b3c4d', 'feature-login-1a2b3c4d'],
    ['odd.name', 'odd_name'],
  ])('REST stage of %j is %j', (stage, rest) => {
    expect(restStageName(stage)).toBe(rest);
  });

  test('REST API URL carries the stage; China regions use amazonaws.com.cn', () => {
    expect(restApiUrl('abc123', 'eu-west-1', 'pr-42')).toBe(
      'https://abc123.execute-api.eu-west-1.amazonaws.com/pr-42',
    );
    expect(restApiUrl('abc123', 'cn-north-1', 'main')).toBe(
      'https://abc123.execute-api.cn-north-1.amazonaws.com.cn/main',
    );
  });

  test('trailing slashes go', () => {
    expect(trimUrl('https://x.lambda-url.eu-west-1.on.aws/')).toBe('https://x.lambda-url.eu-west-1.on.aws');
    expect(trimUrl('https://x.execute-api.eu-west-1.amazonaws.com')).toBe(
      'https://x.execute-api.eu-west-1.amazonaws.com',
    );
  });

  test('source ARNs are limited to one API', () => {
    const alias = parseAliasArn(ALIAS);
    expect(httpApiSourceArn(alias, 'h1')).toBe('arn:aws:execute-api:eu-west-1:123456789012:h1/*/*');
    expect(restApiSourceArn(alias, 'r1')).toBe('arn:aws:execute-api:eu-west-1:123456789012:r1/*/*/*');
    expect(lambdaInvocationUri(alias, ALIAS)).toBe(
      `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${ALIAS}/invocations`,
    );
  });
});

describe('throttle', () => {
  test.each([
    [undefined, undefined, undefined],
    [10, undefined, { rateLimit: 10 }],
    [undefined, 20, { burstLimit: 20 }],
    [10, 20, { rateLimit: 10, burstLimit: 20 }],
  ])('inputs rate %j burst %j want %j', (rate, burst, want) => {
    expect(desiredThrottle(rate, burst)).toEqual(want);
  });

  test.each([
    [undefined, undefined, false],
    [{}, undefined, false],
    [{ rateLimit: 5 }, undefined, true],
    [undefined, { rateLimit: 5 }, true],
    [{ rateLimit: 5, burstLimit: 5000 }, { rateLimit: 5 }, false], // an unset half is not compared
    [{ rateLimit: 5, burstLimit: 10 }, { rateLimit: 5, burstLimit: 11 }, true],
  ])('current %j desired %j differs: %j', (current, desired, differs) => {
    expect(throttleDiffers(current, desired)).toBe(differs);
  });

  test('HTTP API default route settings', () => {
    expect(httpRouteSettingsUpdate({ DetailedMetricsEnabled: false }, undefined)).toBeUndefined();
    expect(
      httpRouteSettingsUpdate({ DetailedMetricsEnabled: true }, { rateLimit: 10, burstLimit: 20 }),
    ).toEqual({
      DetailedMetricsEnabled: true,
      ThrottlingRateLimit: 10,
      ThrottlingBurstLimit: 20,
    });
    // Removal keeps the other settings and drops the throttle.
    expect(
      httpRouteSettingsUpdate(
        { DetailedMetricsEnabled: true, ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
        undefined,
      ),
    ).toEqual({ DetailedMetricsEnabled: true });
    expect(
      httpRouteSettingsUpdate({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 }, { rateLimit: 10 }),
    ).toBeUndefined();
  });

  test('REST stage method settings patch', () => {
    expect(restStageThrottlePatch(undefined, undefined)).toEqual([]);
    expect(restStageThrottlePatch({}, { rateLimit: 10, burstLimit: 20 })).toEqual([
      { op: 'replace', path: '/*/*/throttling/rateLimit', value: '10' },
      { op: 'replace', path: '/*/*/throttling/burstLimit', value: '20' },
    ]);
    expect(
      restStageThrottlePatch(
        { '*/*': { throttlingRateLimit: 10, throttlingBurstLimit: 20 } },
        { rateLimit: 10, burstLimit: 30 },
      ),
    ).toEqual([{ op: 'replace', path: '/*/*/throttling/burstLimit', value: '30' }]);
    expect(
      restStageThrottlePatch({ '*/*': { throttlingRateLimit: 10, throttlingBurstLimit: 20 } }, undefined),
    ).toEqual([{ op: 'remove', path: '/*/*' }]);
  });

  test("REST stage without throttle inputs: */* method settings that also hold the owner's logging or metrics are kept", () => {
    // Logging turned on in the console: API Gateway fills the throttle of the new */* setting with its defaults.
    const logging = {
      loggingLevel: 'INFO',
      metricsEnabled: false,
      throttlingRateLimit: 10000,
      throttlingBurstLimit: 5000,
    };
    expect(restStageThrottlePatch({ '*/*': logging }, undefined)).toEqual([]);
    // Our old throttle plus their metrics: the throttle goes back to API Gateway's defaults, the entry stays.
    expect(
      restStageThrottlePatch(
        { '*/*': { metricsEnabled: true, throttlingRateLimit: 10, throttlingBurstLimit: 5000 } },
        undefined,
      ),
    ).toEqual([{ op: 'replace', path: '/*/*/throttling/rateLimit', value: '10000' }]);
    // Logging explicitly off is nothing of theirs to keep.
    expect(
      restStageThrottlePatch(
        { '*/*': { loggingLevel: 'OFF', throttlingRateLimit: 10, throttlingBurstLimit: 20 } },
        undefined,
      ),
    ).toEqual([{ op: 'remove', path: '/*/*' }]);
  });

  test('quota mapping', () => {
    expect(usagePlanQuota({ limit: 10000, period: 'DAY' })).toEqual({
      limit: 10000,
      period: 'DAY',
      offset: 0,
    });
    expect(usagePlanQuota(undefined)).toBeUndefined();
  });

  const want = {
    apiId: 'r1',
    stage: 'pr-42',
    throttle: { rateLimit: 10, burstLimit: 20 },
    quota: { limit: 1000, period: 'DAY' as const },
  };

  test('usage plan already right: no operations', () => {
    expect(
      usagePlanPatch(
        {
          apiStages: [{ apiId: 'r1', stage: 'pr-42' }],
          throttle: { rateLimit: 10, burstLimit: 20 },
          quota: { limit: 1000, period: 'DAY', offset: 0 },
        },
        want,
      ),
    ).toEqual([]);
  });

  test('usage plan: new API stage, throttle and quota changed; another API stage is listed, never removed here', () => {
    const plan: UsagePlanState = {
      apiStages: [{ apiId: 'old', stage: 'pr-42' }],
      throttle: { rateLimit: 5, burstLimit: 20 },
      quota: { limit: 10, period: 'WEEK' },
    };
    expect(otherApiStages(plan, want)).toEqual([{ apiId: 'old', stage: 'pr-42' }]);
    expect(otherApiStages({ apiStages: [{ apiId: 'r1', stage: 'pr-42' }] }, want)).toEqual([]);
    expect(usagePlanPatch(plan, want)).toEqual([
      { op: 'add', path: '/apiStages', value: 'r1:pr-42' },
      { op: 'replace', path: '/throttle/rateLimit', value: '10' },
      { op: 'replace', path: '/quota/limit', value: '1000' },
      { op: 'replace', path: '/quota/period', value: 'DAY' },
    ]);
  });

  test('usage plan: throttle and quota no longer wanted are removed', () => {
    expect(
      usagePlanPatch(
        {
          apiStages: [{ apiId: 'r1', stage: 'pr-42' }],
          throttle: { rateLimit: 5 },
          quota: { limit: 10, period: 'WEEK' },
        },
        { apiId: 'r1', stage: 'pr-42' },
      ),
    ).toEqual([
      { op: 'remove', path: '/throttle' },
      { op: 'remove', path: '/quota' },
    ]);
  });
});

describe('policy statements', () => {
  const http: PermissionSpec = {
    statementId: 'lambda-deploy-http-api',
    action: 'lambda:InvokeFunction',
    principal: 'apigateway.amazonaws.com',
    sourceArn: 'arn:aws:execute-api:eu-west-1:123456789012:h1/*/*',
  };
  const urlInvoke: PermissionSpec = {
    statementId: 'lambda-deploy-function-url-invoke',
    action: 'lambda:InvokeFunction',
    principal: '*',
    invokedViaFunctionUrl: true,
  };
  const urlAuth: PermissionSpec = {
    statementId: 'lambda-deploy-function-url',
    action: 'lambda:InvokeFunctionUrl',
    principal: '*',
    functionUrlAuthType: 'NONE',
  };
  // As Lambda's GetPolicy writes them.
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'someone-else',
        Effect: 'Allow',
        Principal: { Service: 'apigateway.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:f:live',
        Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:execute-api:eu-west-1:123456789012:h1/*/*' } },
      },
      {
        Sid: 'FunctionURLAllowPublicAccess',
        Effect: 'Allow',
        Principal: '*',
        Action: 'lambda:InvokeFunctionUrl',
        Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:f:live',
        Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
      },
      {
        Sid: 'lambda-deploy-function-url-invoke',
        Effect: 'Allow',
        Principal: '*',
        Action: 'lambda:InvokeFunction',
        Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:f:live',
      },
    ],
  });

  test('parsePolicy tolerates empty and broken documents', () => {
    expect(parsePolicy(undefined)).toEqual([]);
    expect(parsePolicy('not json')).toEqual([]);
    expect(parsePolicy(policy)).toHaveLength(3);
  });

  test('a statement with another Sid that grants the same counts: no duplicate', () => {
    const statements = parsePolicy(policy);
    expect(statementMatches(statements[0]!, http)).toBe(true);
    expect(permissionAction(statements, http)).toEqual({ kind: 'keep' });
    expect(permissionAction(statements, urlAuth)).toEqual({ kind: 'keep' });
  });

  test('our Sid without the function-URL condition is stale and gets replaced (it would open InvokeFunction to everyone)', () => {
    expect(permissionAction(parsePolicy(policy), urlInvoke)).toEqual({ kind: 'replace' });
  });

  test("our Sid granting something else is replaced even when another statement grants what we need (a pull request's credentials could point ours at their own API)", () => {
    const statements = parsePolicy(policy);
    const planted = {
      ...statements[0]!,
      Sid: http.statementId,
      Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:execute-api:eu-west-1:123456789012:pr42/*/*' } },
    };
    expect(permissionAction([...statements, planted], http)).toEqual({ kind: 'replace' });
    expect(permissionAction([...statements, { ...planted, Effect: 'Deny' }], http)).toEqual({
      kind: 'replace',
    });
    // Ours as we wrote it: kept, whatever else is there.
    expect(permissionAction([...statements, { ...statements[0]!, Sid: http.statementId }], http)).toEqual({
      kind: 'keep',
    });
  });

  test('foreignStatements names the statements lambda-deploy did not add, with whom they let in', () => {
    expect(foreignStatements(parsePolicy(policy))).toEqual([
      'someone-else ({"Service":"apigateway.amazonaws.com"} may lambda:InvokeFunction, from arn:aws:execute-api:eu-west-1:123456789012:h1/*/*)',
      'FunctionURLAllowPublicAccess (* may lambda:InvokeFunctionUrl)',
    ]);
  });

  test('another API id does not match', () => {
    expect(
      permissionAction(parsePolicy(policy), {
        ...http,
        sourceArn: 'arn:aws:execute-api:eu-west-1:123456789012:h2/*/*',
      }),
    ).toEqual({ kind: 'add' });
  });

  test('Deny, other actions and other principals never match', () => {
    const [s] = parsePolicy(policy);
    expect(statementMatches({ ...s, Effect: 'Deny' }, http)).toBe(false);
    expect(statementMatches({ ...s, Action: 'lambda:GetFunction' }, http)).toBe(false);
    expect(statementMatches({ ...s, Principal: { Service: 's3.amazonaws.com' } }, http)).toBe(false);
  });
});
