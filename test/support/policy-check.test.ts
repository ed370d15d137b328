import { describe, expect, it } from '@jest/globals';
import * as apiGatewayV1 from '@aws-sdk/client-api-gateway';
import * as apiGatewayV2 from '@aws-sdk/client-apigatewayv2';
import {
  API_GATEWAY_ROUTES,
  conditionsHold,
  evaluate,
  functionArn,
  isAllowed,
  operationToAction,
  requiredPermissions,
  resourceFor,
  wildcardMatch,
  type AwsService,
} from './policy-check.js';
import { policy, type PolicyDocument } from '../../src/model/policy-document.js';

const scope = { region: 'eu-west-1', accountId: '123456789012' };

describe('wildcardMatch', () => {
  it.each([
    ['lambda:*', 'lambda:CreateFunction', true, true],
    ['lambda:Get*', 'lambda:GetFunction', true, true],
    ['lambda:Get*', 'lambda:ListTags', true, false],
    ['LAMBDA:getfunction', 'lambda:GetFunction', true, true],
    ['LAMBDA:getfunction', 'lambda:GetFunction', false, false],
    ['arn:aws:s3:::b/lambda-deploy/p/*', 'arn:aws:s3:::b/lambda-deploy/p/abc.zip', false, true],
    ['arn:aws:s3:::b/lambda-deploy/p/*', 'arn:aws:s3:::b/lambda-deploy/px/abc.zip', false, false],
    ['arn:aws:lambda:*:1:function:p-*', 'arn:aws:lambda:us-east-1:1:function:p-main:live', false, true],
    ['arn:aws:lambda:*:1:function:p-?', 'arn:aws:lambda:us-east-1:1:function:p-a', false, true],
    ['arn:aws:lambda:*:1:function:p-?', 'arn:aws:lambda:us-east-1:1:function:p-ab', false, false],
    ['a.b+c(d)', 'a.b+c(d)', false, true],
    ['a.b', 'axb', false, false],
  ])('%s vs %s (ignoreCase %s) -> %s', (pattern, value, ignoreCase, expected) => {
    expect(wildcardMatch(pattern, value, ignoreCase)).toBe(expected);
  });
});

describe('isAllowed', () => {
  const doc: PolicyDocument = policy([
    { Effect: 'Allow', Action: ['lambda:Get*', 's3:GetObject'], Resource: 'arn:aws:lambda:*:1:function:p-*' },
    {
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: 'arn:aws:iam::1:role/r',
      Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    },
    { Effect: 'Deny', Action: 'lambda:GetFunction', Resource: 'arn:aws:lambda:*:1:function:p-secret' },
    { Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:logs:*' },
    { Effect: 'Allow', Action: 'tag:GetResources', NotResource: 'arn:aws:none' },
  ]);

  it.each([
    ['lambda:GetFunction', 'arn:aws:lambda:us-east-1:1:function:p-main', undefined, 'allowed'],
    ['lambda:getfunctionconfiguration', 'arn:aws:lambda:us-east-1:1:function:p-main', undefined, 'allowed'],
    ['lambda:GetFunction', 'arn:aws:lambda:us-east-1:1:function:other', undefined, 'implicit-deny'],
    ['lambda:UpdateFunctionCode', 'arn:aws:lambda:us-east-1:1:function:p-main', undefined, 'implicit-deny'],
    ['lambda:GetFunction', 'arn:aws:lambda:us-east-1:1:function:p-secret', undefined, 'explicit-deny'],
    ['iam:PassRole', 'arn:aws:iam::1:role/r', { 'iam:PassedToService': 'lambda.amazonaws.com' }, 'allowed'],
    [
      'iam:PassRole',
      'arn:aws:iam::1:role/r',
      { 'iam:PassedToService': 'ec2.amazonaws.com' },
      'implicit-deny',
    ],
    ['iam:PassRole', 'arn:aws:iam::1:role/r', undefined, 'implicit-deny'],
    ['logs:FilterLogEvents', 'arn:aws:logs:x', undefined, 'allowed'],
    ['iam:GetRole', 'arn:aws:logs:x', undefined, 'implicit-deny'],
    ['tag:GetResources', '*', undefined, 'allowed'],
    ['tag:GetResources', 'arn:aws:none', undefined, 'implicit-deny'],
  ] as const)('%s on %s -> %s', (action, resource, context, expected) => {
    expect(evaluate(doc, action, resource, context)).toBe(expected);
    expect(isAllowed(doc, action, resource, context)).toBe(expected === 'allowed');
  });

  it('evaluates condition operators like IAM, and refuses operators it does not know', () => {
    expect(conditionsHold({ StringLike: { k: ['a*', 'b*'] } }, { K: 'bee' })).toBe(true);
    expect(conditionsHold({ StringNotEquals: { k: 'a' } }, {})).toBe(true);
    expect(conditionsHold({ StringEqualsIfExists: { k: 'a' } }, {})).toBe(true);
    expect(conditionsHold({ StringEquals: { k: 'a' }, StringLike: { j: 'x*' } }, { k: 'a', j: 'y' })).toBe(
      false,
    );
    expect(() => conditionsHold({ NumericLessThan: { k: '1' } }, { k: '0' })).toThrow(/NumericLessThan/);
  });

  it.each<
    [string, Record<string, Record<string, string | string[]>>, Record<string, string | string[]>, boolean]
  >([
    ['Null true: key absent', { Null: { k: 'true' } }, {}, true],
    ['Null true: key present', { Null: { k: 'true' } }, { k: 'x' }, false],
    ['Null false: key present', { Null: { k: 'false' } }, { k: 'x' }, true],
    ['Null false: key absent', { Null: { k: 'false' } }, {}, false],
    ['Null false: empty list counts as absent', { Null: { k: 'false' } }, { k: [] }, false],
    [
      'ForAllValues: every value listed',
      { 'ForAllValues:StringEquals': { k: ['a', 'b'] } },
      { k: ['a', 'b'] },
      true,
    ],
    [
      'ForAllValues: one value not listed',
      { 'ForAllValues:StringEquals': { k: ['a'] } },
      { k: ['a', 'c'] },
      false,
    ],
    [
      'ForAllValues: no values at all holds (the IAM pitfall)',
      { 'ForAllValues:StringEquals': { k: 'a' } },
      {},
      true,
    ],
    [
      'ForAnyValue: one value listed',
      { 'ForAnyValue:StringEquals': { k: ['main', 'prod'] } },
      { k: ['x', 'prod'] },
      true,
    ],
    ['ForAnyValue: none listed', { 'ForAnyValue:StringEquals': { k: 'main' } }, { k: ['x', 'y'] }, false],
    ['ForAnyValue: no values at all fails', { 'ForAnyValue:StringEquals': { k: 'main' } }, {}, false],
    [
      'ForAnyValue:StringLike',
      { 'ForAnyValue:StringLike': { k: 'lambda-deploy:*' } },
      { k: ['x', 'lambda-deploy:name'] },
      true,
    ],
    ['ForAllValues:StringNotEquals', { 'ForAllValues:StringNotEquals': { k: 'a' } }, { k: ['b', 'c'] }, true],
    ['StringEqualsIfExists: present and different', { StringEqualsIfExists: { k: 'a' } }, { k: 'b' }, false],
    ['StringNotEquals on a present key', { StringNotEquals: { k: 'a' } }, { k: 'a' }, false],
    [
      'Null false + StringNotEquals: another owner',
      { Null: { k: 'false' }, StringNotEquals: { k: 'me' } },
      { k: 'you' },
      true,
    ],
    [
      'Null false + StringNotEquals: no owner',
      { Null: { k: 'false' }, StringNotEquals: { k: 'me' } },
      {},
      false,
    ],
  ])('%s', (_, condition, context, expected) => {
    expect(conditionsHold(condition, context)).toBe(expected);
  });

  it('refuses a Null condition whose value is not "true" or "false"', () => {
    expect(() => conditionsHold({ Null: { 'aws:ResourceTag/x': '' } })).toThrow(
      'Condition Null on aws:ResourceTag/x: "" is neither "true" nor "false".',
    );
    expect(conditionsHold({ Null: { 'aws:ResourceTag/x': 'TRUE' } })).toBe(true);
  });

  it('refuses a single-valued operator on a multi-valued key, and set prefixes on Null', () => {
    expect(() =>
      conditionsHold({ StringEquals: { 'aws:TagKeys': 'a' } }, { 'aws:TagKeys': ['a', 'b'] }),
    ).toThrow(/ForAllValues: or ForAnyValue:/);
    expect(() => conditionsHold({ 'ForAnyValue:Null': { k: 'true' } }, {})).toThrow(/not valid IAM/);
  });

  it('refuses a statement whose Effect is neither Allow nor Deny, rather than read it as an Allow', () => {
    for (const Effect of ['', 'allow', 'Permit'])
      expect(() =>
        evaluate(
          policy([{ Sid: 'X', Effect: Effect as 'Allow', Action: 'lambda:*', Resource: '*' }]),
          'lambda:GetFunction',
          'arn:aws:lambda:r:1:function:f',
        ),
      ).toThrow(`Statement X has the Effect ${JSON.stringify(Effect)}.`);
  });

  it('an explicit Deny beats any Allow, whatever the order', () => {
    const allow = { Effect: 'Allow' as const, Action: 'lambda:*', Resource: '*' };
    const deny = {
      Effect: 'Deny' as const,
      Action: 'lambda:UpdateFunctionCode',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/lambda-deploy:stage': ['main', 'prod'] } },
    };
    for (const doc of [policy([allow, deny]), policy([deny, allow])]) {
      expect(
        evaluate(doc, 'lambda:UpdateFunctionCode', 'arn:aws:lambda:r:1:function:f', {
          'aws:ResourceTag/lambda-deploy:stage': 'prod',
        }),
      ).toBe('explicit-deny');
      expect(
        evaluate(doc, 'lambda:UpdateFunctionCode', 'arn:aws:lambda:r:1:function:f', {
          'aws:ResourceTag/lambda-deploy:stage': 'pr-1',
        }),
      ).toBe('allowed');
    }
  });
});

describe('the request context of a call', () => {
  const fnTags = { 'lambda-deploy:name': 'p', 'lambda-deploy:stage': 'main' };
  const apiTags = { 'lambda-deploy:name': 'p', 'lambda-deploy:stage': 'pr-1' };
  const facts = {
    tags: (arn: string) =>
      arn === 'arn:aws:lambda:eu-west-1:123456789012:function:p-main'
        ? fnTags
        : arn === 'arn:aws:apigateway:eu-west-1::/apis/h1'
          ? apiTags
          : arn === 'arn:aws:apigateway:eu-west-1::/apis/h1/stages/%24default' // labels are URL-encoded
            ? { own: 'yes' }
            : undefined,
  };

  it("carries the tags of the resource: a version or alias has its function's", () => {
    const [own] = requiredPermissions(
      'lambda',
      'UpdateAliasCommand',
      { FunctionName: 'p-main', Name: 'live' },
      scope,
      facts,
    );
    expect(own?.context).toEqual({
      'aws:ResourceTag/lambda-deploy:name': 'p',
      'aws:ResourceTag/lambda-deploy:stage': 'main',
    });
  });

  it("an API Gateway child has its API's tags, a stage its own on top", () => {
    const [route] = requiredPermissions('apiGatewayV2', 'CreateRouteCommand', { ApiId: 'h1' }, scope, facts);
    expect(route?.context).toEqual({
      'aws:ResourceTag/lambda-deploy:name': 'p',
      'aws:ResourceTag/lambda-deploy:stage': 'pr-1',
    });
    const [stage] = requiredPermissions(
      'apiGatewayV2',
      'UpdateStageCommand',
      { ApiId: 'h1', StageName: '$default' },
      scope,
      facts,
    );
    expect(stage?.context).toMatchObject({
      'aws:ResourceTag/own': 'yes',
      'aws:ResourceTag/lambda-deploy:name': 'p',
    });
  });

  it('a resource that does not exist has no tags; a tag-less call has no tag keys', () => {
    const [create] = requiredPermissions(
      'apiGatewayV2',
      'CreateApiCommand',
      { Name: 'x', Tags: apiTags },
      scope,
      facts,
    );
    expect(create?.context).toEqual({
      'aws:RequestTag/lambda-deploy:name': 'p',
      'aws:RequestTag/lambda-deploy:stage': 'pr-1',
      'aws:TagKeys': ['lambda-deploy:name', 'lambda-deploy:stage'],
    });
    const [list] = requiredPermissions('tagging', 'GetResourcesCommand', {}, scope, facts);
    expect(list?.context).toBeUndefined();
  });

  it('tags sent as [{Key, Value}] and keys removed count too; the boundary of a role comes from the facts', () => {
    const [rule] = requiredPermissions(
      'events',
      'PutRuleCommand',
      { Name: 'r', Tags: [{ Key: 'k', Value: 'v' }] },
      scope,
    );
    expect(rule?.context).toEqual({ 'aws:RequestTag/k': 'v', 'aws:TagKeys': ['k'] });
    const [untag] = requiredPermissions(
      'lambda',
      'UntagResourceCommand',
      { Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:x', TagKeys: ['a'] },
      scope,
    );
    expect(untag?.context).toEqual({ 'aws:TagKeys': ['a'] });
    const [put] = requiredPermissions('iam', 'PutRolePolicyCommand', { RoleName: 'r' }, scope, {
      permissionsBoundary: () => 'arn:aws:iam::123456789012:policy/b',
    });
    expect(put?.context).toEqual({ 'iam:PermissionsBoundary': 'arn:aws:iam::123456789012:policy/b' });
  });
});

describe('operationToAction', () => {
  it.each<[AwsService, string, string]>([
    ['lambda', 'CreateFunctionCommand', 'lambda:CreateFunction'],
    ['lambda', 'InvokeCommand', 'lambda:InvokeFunction'],
    ['lambda', 'GetLayerVersionByArnCommand', 'lambda:GetLayerVersion'],
    ['lambda', 'PutProvisionedConcurrencyConfigCommand', 'lambda:PutProvisionedConcurrencyConfig'],
    ['s3', 'HeadObjectCommand', 's3:GetObject'],
    ['s3', 'HeadBucketCommand', 's3:ListBucket'],
    ['s3', 'CreateMultipartUploadCommand', 's3:PutObject'],
    ['s3', 'UploadPartCommand', 's3:PutObject'],
    ['s3', 'AbortMultipartUploadCommand', 's3:AbortMultipartUpload'],
    ['s3', 'PutPublicAccessBlockCommand', 's3:PutBucketPublicAccessBlock'],
    ['s3', 'PutBucketEncryptionCommand', 's3:PutEncryptionConfiguration'],
    ['s3', 'PutBucketLifecycleConfigurationCommand', 's3:PutLifecycleConfiguration'],
    ['tagging', 'GetResourcesCommand', 'tag:GetResources'],
    ['sts', 'GetCallerIdentityCommand', 'sts:GetCallerIdentity'],
    ['iam', 'PutRolePolicyCommand', 'iam:PutRolePolicy'],
    ['logs', 'FilterLogEventsCommand', 'logs:FilterLogEvents'],
    ['events', 'PutTargetsCommand', 'events:PutTargets'],
    ['apiGateway', 'CreateRestApiCommand', 'apigateway:POST'],
    ['apiGateway', 'PutIntegrationCommand', 'apigateway:PUT'],
    ['apiGateway', 'UpdateStageCommand', 'apigateway:PATCH'],
    ['apiGatewayV2', 'GetApisCommand', 'apigateway:GET'],
    ['apiGatewayV2', 'DeleteApiCommand', 'apigateway:DELETE'],
  ])('%s %s -> %s', (service, command, action) => {
    expect(operationToAction(service, command)).toBe(action);
  });

  it('names the table to extend for an API Gateway command it does not know', () => {
    expect(() => operationToAction('apiGateway', 'CreateVpcLinkCommand')).toThrow(/API_GATEWAY_ROUTES/);
  });
});

describe('resourceFor', () => {
  it.each<[AwsService, string, Record<string, unknown>, string]>([
    [
      'lambda',
      'GetFunctionCommand',
      { FunctionName: 'p-main' },
      'arn:aws:lambda:eu-west-1:123456789012:function:p-main',
    ],
    [
      'lambda',
      'InvokeCommand',
      { FunctionName: 'p-main', Qualifier: 'live' },
      'arn:aws:lambda:eu-west-1:123456789012:function:p-main:live',
    ],
    [
      'lambda',
      'GetFunctionCommand',
      { FunctionName: 'p-main:7' },
      'arn:aws:lambda:eu-west-1:123456789012:function:p-main:7',
    ],
    [
      'lambda',
      'GetFunctionCommand',
      { FunctionName: '210987654321:function:p-x' },
      'arn:aws:lambda:eu-west-1:210987654321:function:p-x',
    ],
    [
      'lambda',
      'DeleteFunctionCommand',
      { FunctionName: 'arn:aws:lambda:us-east-2:123456789012:function:p-x', Qualifier: '3' },
      'arn:aws:lambda:us-east-2:123456789012:function:p-x:3',
    ],
    [
      'lambda',
      'TagResourceCommand',
      { Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:p-x' },
      'arn:aws:lambda:eu-west-1:123456789012:function:p-x',
    ],
    [
      'lambda',
      'PublishLayerVersionCommand',
      { LayerName: 'p-deps' },
      'arn:aws:lambda:eu-west-1:123456789012:layer:p-deps',
    ],
    [
      'lambda',
      'DeleteLayerVersionCommand',
      { LayerName: 'p-deps', VersionNumber: 4 },
      'arn:aws:lambda:eu-west-1:123456789012:layer:p-deps:4',
    ],
    [
      'lambda',
      'GetLayerVersionByArnCommand',
      { Arn: 'arn:aws:lambda:eu-west-1:111111111111:layer:x:2' },
      'arn:aws:lambda:eu-west-1:111111111111:layer:x:2',
    ],
    ['s3', 'HeadBucketCommand', { Bucket: 'b' }, 'arn:aws:s3:::b'],
    ['s3', 'PutPublicAccessBlockCommand', { Bucket: 'b' }, 'arn:aws:s3:::b'],
    [
      's3',
      'HeadObjectCommand',
      { Bucket: 'b', Key: 'lambda-deploy/p/x.zip' },
      'arn:aws:s3:::b/lambda-deploy/p/x.zip',
    ],
    [
      'iam',
      'GetRoleCommand',
      { RoleName: 'p-lambda-deploy' },
      'arn:aws:iam::123456789012:role/p-lambda-deploy',
    ],
    [
      'logs',
      'FilterLogEventsCommand',
      { logGroupName: '/aws/lambda/p-main' },
      'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/p-main',
    ],
    [
      'events',
      'PutRuleCommand',
      { Name: 'p-main-warm' },
      'arn:aws:events:eu-west-1:123456789012:rule/p-main-warm',
    ],
    [
      'events',
      'ListTargetsByRuleCommand',
      { Rule: 'p-main-warm' },
      'arn:aws:events:eu-west-1:123456789012:rule/p-main-warm',
    ],
    ['tagging', 'GetResourcesCommand', {}, '*'],
    ['apiGateway', 'CreateRestApiCommand', { name: 'p-main' }, 'arn:aws:apigateway:eu-west-1::/restapis'],
    [
      'apiGateway',
      'PutIntegrationCommand',
      { restApiId: 'a1', resourceId: 'r1', httpMethod: 'ANY' },
      'arn:aws:apigateway:eu-west-1::/restapis/a1/resources/r1/methods/ANY/integration',
    ],
    [
      'apiGateway',
      'CreateUsagePlanKeyCommand',
      { usagePlanId: 'u1', keyId: 'k1', keyType: 'API_KEY' },
      'arn:aws:apigateway:eu-west-1::/usageplans/u1/keys',
    ],
    ['apiGatewayV2', 'GetApisCommand', {}, 'arn:aws:apigateway:eu-west-1::/apis'],
    [
      'apiGatewayV2',
      'UpdateStageCommand',
      { ApiId: 'h1', StageName: '$default' },
      'arn:aws:apigateway:eu-west-1::/apis/h1/stages/%24default',
    ],
    [
      'apiGatewayV2',
      'TagResourceCommand',
      { ResourceArn: 'arn:aws:apigateway:eu-west-1::/apis/h1' },
      'arn:aws:apigateway:eu-west-1::/tags/arn%3Aaws%3Aapigateway%3Aeu-west-1%3A%3A%2Fapis%2Fh1',
    ],
  ])('%s %s', (service, command, input, arn) => {
    expect(resourceFor(service, command, input, scope)).toBe(arn);
  });

  it('says which input field is missing', () => {
    expect(() => resourceFor('lambda', 'GetFunctionCommand', {}, scope)).toThrow(/FunctionName/);
    expect(() => resourceFor('apiGateway', 'GetRestApiCommand', {}, scope)).toThrow(/restApiId/);
  });

  it('functionArn keeps the account and region of a full ARN', () => {
    expect(functionArn('arn:aws-cn:lambda:cn-north-1:123456789012:function:f:live', undefined, scope)).toBe(
      'arn:aws:lambda:cn-north-1:123456789012:function:f:live',
    );
  });
});

describe('requiredPermissions', () => {
  it('adds what AWS checks on the side of CreateFunction', () => {
    const needs = requiredPermissions(
      'lambda',
      'CreateFunctionCommand',
      {
        FunctionName: 'p-main',
        Role: 'arn:aws:iam::123456789012:role/p-lambda-deploy',
        Code: { S3Bucket: 'b', S3Key: 'lambda-deploy/p/x.zip' },
        Tags: { 'lambda-deploy:name': 'p' },
        Layers: ['arn:aws:lambda:eu-west-1:123456789012:layer:p-deps:1'],
      },
      scope,
    );
    // IAM puts the tags of a request that creates a resource in aws:ResourceTag too ("in requests that
    // create a resource with an attached tag", IAM's global condition keys): the function has them.
    const sent = {
      'aws:ResourceTag/lambda-deploy:name': 'p',
      'aws:RequestTag/lambda-deploy:name': 'p',
      'aws:TagKeys': ['lambda-deploy:name'],
    };
    expect(needs).toEqual([
      {
        action: 'lambda:CreateFunction',
        resource: 'arn:aws:lambda:eu-west-1:123456789012:function:p-main',
        context: sent,
      },
      {
        action: 'iam:PassRole',
        resource: 'arn:aws:iam::123456789012:role/p-lambda-deploy',
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      },
      {
        action: 'lambda:TagResource',
        resource: 'arn:aws:lambda:eu-west-1:123456789012:function:p-main',
        context: sent,
      },
      { action: 'lambda:GetLayerVersion', resource: 'arn:aws:lambda:eu-west-1:123456789012:layer:p-deps:1' },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::b/lambda-deploy/p/x.zip' },
    ]);
  });

  it('adds tag-on-create for rules and roles', () => {
    expect(
      requiredPermissions(
        'events',
        'PutRuleCommand',
        { Name: 'p-x-warm', Tags: [{ Key: 'a', Value: 'b' }] },
        scope,
      ),
    ).toHaveLength(2);
    expect(requiredPermissions('events', 'PutRuleCommand', { Name: 'p-x-warm' }, scope)).toHaveLength(1);
    expect(
      requiredPermissions(
        'iam',
        'CreateRoleCommand',
        { RoleName: 'r', Tags: [{ Key: 'a', Value: 'b' }] },
        scope,
      )[1]?.action,
    ).toBe('iam:TagRole');
  });
});

describe('API_GATEWAY_ROUTES agrees with the SDK', () => {
  const modules: Record<'apiGateway' | 'apiGatewayV2', Record<string, unknown>> = {
    apiGateway: apiGatewayV1 as unknown as Record<string, unknown>,
    apiGatewayV2: apiGatewayV2 as unknown as Record<string, unknown>,
  };
  const rows = (Object.keys(API_GATEWAY_ROUTES) as ('apiGateway' | 'apiGatewayV2')[]).flatMap((service) =>
    Object.entries(API_GATEWAY_ROUTES[service]).map(
      ([operation, route]) => [service, operation, route] as const,
    ),
  );
  it.each(rows)('%s %s', (service, operation, [verb, path]) => {
    const Command = modules[service][`${operation}Command`] as
      (new (input: object) => { schema?: unknown }) | undefined;
    expect(Command).toBeDefined();
    const schema = new (Command as new (input: object) => { schema: unknown[] })({}).schema;
    const http = (schema[3] as { http?: [string, string] }).http;
    expect(http).toBeDefined();
    const [sdkVerb, sdkPath] = http as [string, string];
    expect(verb).toBe(sdkVerb);
    // IAM resources have no /v2 prefix and no query string.
    expect(path).toBe(sdkPath.replace(/^\/v2/, '').replace(/\?.*$/, ''));
  });
});
