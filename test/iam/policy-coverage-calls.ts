/**
 * The AWS calls of deploy, redeploy, rollback, undeploy and prune, written
 * out per gateway kind, with the inputs the modules send (see src/resources
 * and src/pipelines). The scenario half of policy-coverage.test.ts records
 * the real ones; this list keeps the check meaningful while those modules
 * change.
 */
import type { GatewayKind } from '../../src/model/settings.js';
import type { RecordedCall } from '../support/policy-recorder.js';

export const PROJECT = 'shop';
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const BUCKET = `lambda-deploy-${ACCOUNT}-${REGION}`;
export const KEY = `lambda-deploy/${PROJECT}/0f0e.zip`;
export const ROLE_NAME = 'shop-lambda-deploy';
export const PREVIEW_ROLE_NAME = 'shop-lambda-deploy-preview';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`;
export const PREVIEW_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${PREVIEW_ROLE_NAME}`;
export const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/shop-lambda-deploy-boundary`;
export const LAYER = `${PROJECT}-deps`;
/** The ids of the stage's front doors in the written-out calls (k0: a key the owner disabled). */
const IDS = ['h1', 'a1', 'u1', 'k1', 'k0'];

type Call = Omit<RecordedCall, 'command'> & { command: string };
const c = (service: RecordedCall['service'], command: string, input: Record<string, unknown> = {}): Call => ({
  service,
  command: `${command}Command`,
  input,
});

/**
 * Every call of a deploy, redeploy, rollback, undeploy and prune of one stage,
 * per gateway kind. A preview stage reads its execution role; the production
 * stage may create it (under the boundary) and write its policy.
 */
export function stageCalls(stage: string) {
  const FUNCTION = `shop-${stage}`;
  const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION}`;
  const ALIAS_ARN = `${FUNCTION_ARN}:live`;
  const RULE = `${FUNCTION}-warm`;
  const TAGS = { 'lambda-deploy:name': PROJECT, 'lambda-deploy:stage': stage };
  const production = stage === 'main';
  const role = production ? ROLE_ARN : PREVIEW_ROLE_ARN;
  const LOG_GROUP_ARN = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${FUNCTION}`;
  /** The tags the stage's resources carry, as the deploy writes them. */
  const tagsOf = (arn: string): Record<string, string> | undefined => {
    if (
      arn === FUNCTION_ARN ||
      arn === `arn:aws:events:${REGION}:${ACCOUNT}:rule/${RULE}` ||
      arn === LOG_GROUP_ARN
    )
      return TAGS;
    const api = /::\/(apis|restapis|usageplans|apikeys)\/([^/]+)$/.exec(arn);
    if (api && IDS.includes(api[2]!)) return TAGS;
    if (arn === ROLE_ARN || arn === PREVIEW_ROLE_ARN) return { 'lambda-deploy:name': PROJECT };
    return undefined;
  };
  const facts = {
    tags: tagsOf,
    permissionsBoundary: (arn: string) => (arn === ROLE_ARN ? BOUNDARY_ARN : undefined),
  };
  /** Sign-in, bucket, upload, role, function, alias, versions: every gateway kind. */
  const DEPLOY_COMMON: Call[] = [
    c('sts', 'GetCallerIdentity'),
    c('s3', 'HeadBucket', { Bucket: BUCKET, ExpectedBucketOwner: ACCOUNT }),
    // The bucket is set up by setup, or by the first production deploy (a preview never sets it up).
    ...(production
      ? [
          c('s3', 'CreateBucket', {
            Bucket: BUCKET,
            CreateBucketConfiguration: { LocationConstraint: REGION },
          }),
          c('s3', 'PutPublicAccessBlock', { Bucket: BUCKET }),
          c('s3', 'PutBucketEncryption', { Bucket: BUCKET }),
          c('s3', 'PutBucketOwnershipControls', { Bucket: BUCKET }),
          c('s3', 'GetBucketLifecycleConfiguration', { Bucket: BUCKET }),
          c('s3', 'PutBucketLifecycleConfiguration', { Bucket: BUCKET }),
        ]
      : []),
    c('s3', 'HeadObject', { Bucket: BUCKET, Key: KEY }),
    c('s3', 'PutObject', { Bucket: BUCKET, Key: KEY, IfNoneMatch: '*' }),
    c('s3', 'CreateMultipartUpload', { Bucket: BUCKET, Key: KEY }),
    c('s3', 'UploadPart', { Bucket: BUCKET, Key: KEY, PartNumber: 1 }),
    c('s3', 'CompleteMultipartUpload', { Bucket: BUCKET, Key: KEY, IfNoneMatch: '*' }),
    c('s3', 'AbortMultipartUpload', { Bucket: BUCKET, Key: KEY }),
    ...(production
      ? [
          c('iam', 'GetRole', { RoleName: ROLE_NAME }),
          c('iam', 'CreateRole', {
            RoleName: ROLE_NAME,
            Tags: [{ Key: 'lambda-deploy:name', Value: PROJECT }],
            PermissionsBoundary: BOUNDARY_ARN,
          }),
          c('iam', 'PutRolePolicy', { RoleName: ROLE_NAME, PolicyName: 'lambda-deploy' }),
          c('iam', 'GetRolePolicy', { RoleName: ROLE_NAME, PolicyName: 'lambda-deploy' }),
          c('iam', 'TagRole', { RoleName: ROLE_NAME, Tags: [] }),
        ]
      : [c('iam', 'GetRole', { RoleName: PREVIEW_ROLE_NAME })]),
    c('lambda', 'GetFunction', { FunctionName: FUNCTION }),
    // The function's log group, made tagged before the function (or tagged, when Lambda made it before).
    c('logs', 'CreateLogGroup', { logGroupName: `/aws/lambda/${FUNCTION}`, tags: TAGS }),
    c('logs', 'ListTagsForResource', { resourceArn: LOG_GROUP_ARN }),
    c('lambda', 'CreateFunction', {
      FunctionName: FUNCTION,
      Role: role,
      Code: { S3Bucket: BUCKET, S3Key: KEY },
      Tags: TAGS,
    }),
    c('lambda', 'GetFunctionConfiguration', { FunctionName: FUNCTION }),
    c('lambda', 'UpdateFunctionConfiguration', { FunctionName: FUNCTION, Role: role }),
    c('lambda', 'UpdateFunctionCode', { FunctionName: FUNCTION, S3Bucket: BUCKET, S3Key: KEY }),
    c('lambda', 'TagResource', { Resource: FUNCTION_ARN, Tags: TAGS }),
    c('lambda', 'ListTags', { Resource: FUNCTION_ARN }),
    c('lambda', 'PublishVersion', { FunctionName: FUNCTION }),
    c('lambda', 'GetAlias', { FunctionName: FUNCTION, Name: 'live' }),
    c('lambda', 'CreateAlias', { FunctionName: FUNCTION, Name: 'live', FunctionVersion: '1' }),
    c('lambda', 'UpdateAlias', { FunctionName: FUNCTION, Name: 'live', FunctionVersion: '2' }),
    c('lambda', 'ListVersionsByFunction', { FunctionName: FUNCTION }),
    c('lambda', 'DeleteFunction', { FunctionName: FUNCTION, Qualifier: '1' }),
    c('lambda', 'GetPolicy', { FunctionName: FUNCTION, Qualifier: 'live' }),
    // A failed smoke test: the function's logs, then rollback.
    c('logs', 'FilterLogEvents', { logGroupName: `/aws/lambda/${FUNCTION}` }),
    c('lambda', 'GetFunctionConfiguration', { FunctionName: FUNCTION, Qualifier: 'live' }),
  ];

  const DEPLOY_BY_GATEWAY: Record<GatewayKind, Call[]> = {
    'http-api': [
      c('apiGatewayV2', 'GetApis', { MaxResults: '500' }),
      c('apiGatewayV2', 'CreateApi', { Name: FUNCTION, ProtocolType: 'HTTP', Tags: TAGS }),
      c('apiGatewayV2', 'GetIntegrations', { ApiId: 'h1' }),
      c('apiGatewayV2', 'CreateIntegration', { ApiId: 'h1', IntegrationUri: ALIAS_ARN }),
      c('apiGatewayV2', 'UpdateIntegration', { ApiId: 'h1', IntegrationId: 'i1' }),
      c('apiGatewayV2', 'GetRoutes', { ApiId: 'h1' }),
      c('apiGatewayV2', 'CreateRoute', { ApiId: 'h1', RouteKey: '$default' }),
      c('apiGatewayV2', 'UpdateRoute', { ApiId: 'h1', RouteId: 'r1' }),
      c('apiGatewayV2', 'GetStage', { ApiId: 'h1', StageName: '$default' }),
      c('apiGatewayV2', 'CreateStage', { ApiId: 'h1', StageName: '$default', Tags: TAGS }),
      c('apiGatewayV2', 'UpdateStage', { ApiId: 'h1', StageName: '$default' }),
      c('lambda', 'AddPermission', {
        FunctionName: FUNCTION,
        Qualifier: 'live',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:h1/*`,
      }),
      c('lambda', 'RemovePermission', { FunctionName: FUNCTION, Qualifier: 'live', StatementId: 'x' }),
    ],
    'rest-api': [
      c('apiGateway', 'GetRestApis', { limit: 500 }),
      c('apiGateway', 'CreateRestApi', { name: FUNCTION, tags: TAGS }),
      c('apiGateway', 'GetResources', { restApiId: 'a1', embed: ['methods'] }),
      c('apiGateway', 'CreateResource', { restApiId: 'a1', parentId: 'root', pathPart: '{proxy+}' }),
      c('apiGateway', 'PutMethod', { restApiId: 'a1', resourceId: 'p1', httpMethod: 'ANY' }),
      c('apiGateway', 'UpdateMethod', { restApiId: 'a1', resourceId: 'p1', httpMethod: 'ANY' }),
      c('apiGateway', 'PutIntegration', { restApiId: 'a1', resourceId: 'p1', httpMethod: 'ANY' }),
      c('apiGateway', 'GetStage', { restApiId: 'a1', stageName: stage }),
      c('apiGateway', 'CreateDeployment', { restApiId: 'a1', stageName: stage }),
      c('apiGateway', 'CreateStage', { restApiId: 'a1', stageName: stage, deploymentId: 'd1', tags: TAGS }),
      c('apiGateway', 'UpdateStage', { restApiId: 'a1', stageName: stage }),
      // Production lists keys by name; a preview may not list /apikeys and reads its plan's links.
      production
        ? c('apiGateway', 'GetApiKeys', { nameQuery: FUNCTION, includeValues: true })
        : c('apiGateway', 'GetUsagePlanKeys', { usagePlanId: 'u1' }),
      c('apiGateway', 'GetApiKey', { apiKey: 'k1', includeValue: true }),
      c('apiGateway', 'GetUsagePlans', { keyId: 'k1' }),
      // Making, changing and linking keys and plans: production only (a link names what IAM never sees).
      ...(production
        ? [
            c('apiGateway', 'CreateApiKey', { name: FUNCTION, tags: TAGS }),
            // A disabled key is never enabled again: replaced, then unlinked and deleted (ours, by its tags).
            c('apiGateway', 'DeleteUsagePlanKey', { usagePlanId: 'u1', keyId: 'k0' }),
            c('apiGateway', 'DeleteApiKey', { apiKey: 'k0' }),
            c('apiGateway', 'CreateUsagePlan', { name: FUNCTION, tags: TAGS }),
            c('apiGateway', 'CreateUsagePlanKey', { usagePlanId: 'u1', keyId: 'k1', keyType: 'API_KEY' }),
            c('apiGateway', 'UpdateUsagePlan', { usagePlanId: 'u1' }),
          ]
        : []),
      c('lambda', 'AddPermission', {
        FunctionName: FUNCTION,
        Qualifier: 'live',
        Principal: 'apigateway.amazonaws.com',
      }),
    ],
    'function-url': [
      c('lambda', 'GetFunctionUrlConfig', { FunctionName: FUNCTION, Qualifier: 'live' }),
      c('lambda', 'CreateFunctionUrlConfig', { FunctionName: FUNCTION, Qualifier: 'live', AuthType: 'NONE' }),
      // invoke-mode changed on a URL an earlier deploy made.
      c('lambda', 'UpdateFunctionUrlConfig', {
        FunctionName: FUNCTION,
        Qualifier: 'live',
        InvokeMode: 'RESPONSE_STREAM',
      }),
      c('lambda', 'AddPermission', {
        FunctionName: FUNCTION,
        Qualifier: 'live',
        Principal: '*',
        Action: 'lambda:InvokeFunctionUrl',
        FunctionUrlAuthType: 'NONE',
      }),
      // New URLs need lambda:InvokeFunction too, only through the URL (since October 2025).
      c('lambda', 'AddPermission', {
        FunctionName: FUNCTION,
        Qualifier: 'live',
        Principal: '*',
        Action: 'lambda:InvokeFunction',
        InvokedViaFunctionUrl: true,
      }),
    ],
    none: [c('lambda', 'Invoke', { FunctionName: FUNCTION, Qualifier: 'live' })],
  };

  /** Undeploy looks for every kind of front door, whatever the stage used. */
  const UNDEPLOY_COMMON: Call[] = [
    c('tagging', 'GetResources', { TagFilters: [{ Key: 'lambda-deploy:name', Values: [PROJECT] }] }),
    c('lambda', 'GetFunction', { FunctionName: FUNCTION }),
    c('lambda', 'ListFunctionUrlConfigs', { FunctionName: FUNCTION }),
    c('apiGatewayV2', 'GetApis', {}),
    c('apiGateway', 'GetRestApis', { limit: 500 }),
    c('apiGateway', 'GetUsagePlans', { limit: 500 }),
    ...(production ? [c('apiGateway', 'GetApiKeys', { nameQuery: FUNCTION })] : []),
    c('events', 'ListRules', { NamePrefix: FUNCTION }),
    c('logs', 'DescribeLogGroups', { logGroupNamePrefix: `/aws/lambda/${FUNCTION}` }),
    c('logs', 'ListTagsForResource', {
      resourceArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${FUNCTION}`,
    }),
    c('lambda', 'DeleteFunction', { FunctionName: FUNCTION }),
    c('logs', 'DeleteLogGroup', { logGroupName: `/aws/lambda/${FUNCTION}` }),
  ];

  const UNDEPLOY_BY_GATEWAY: Record<GatewayKind, Call[]> = {
    'http-api': [c('apiGatewayV2', 'DeleteApi', { ApiId: 'h1' })],
    'rest-api': [
      c('apiGateway', 'GetUsagePlanKeys', { usagePlanId: 'u1' }),
      c('apiGateway', 'DeleteUsagePlanKey', { usagePlanId: 'u1', keyId: 'k1' }),
      // Detaching the API stage: a PATCH, which could as well attach production's; a preview's plan
      // made before the preview role lost it waits for the production role (prune).
      ...(production ? [c('apiGateway', 'UpdateUsagePlan', { usagePlanId: 'u1' })] : []),
      c('apiGateway', 'DeleteUsagePlan', { usagePlanId: 'u1' }),
      c('apiGateway', 'DeleteApiKey', { apiKey: 'k1' }),
      c('apiGateway', 'DeleteRestApi', { restApiId: 'a1' }),
    ],
    'function-url': [c('lambda', 'DeleteFunctionUrlConfig', { FunctionName: FUNCTION, Qualifier: 'live' })],
    none: [],
  };

  const KEEP_WARM: Call[] = [
    c('events', 'DescribeRule', { Name: RULE }),
    c('events', 'ListTargetsByRule', { Rule: RULE }),
    c('events', 'ListTagsForResource', { ResourceARN: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${RULE}` }),
    // Making the rule and pointing it at the function: production only (IAM cannot limit a rule's targets).
    ...(production
      ? [
          c('events', 'PutRule', {
            Name: RULE,
            ScheduleExpression: 'rate(5 minutes)',
            Tags: [{ Key: 'lambda-deploy:name', Value: PROJECT }],
          }),
          c('events', 'PutTargets', { Rule: RULE, Targets: [{ Id: 'lambda-deploy-live', Arn: ALIAS_ARN }] }),
          c('lambda', 'AddPermission', {
            FunctionName: FUNCTION,
            Qualifier: 'live',
            Principal: 'events.amazonaws.com',
            SourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${RULE}`,
          }),
        ]
      : []),
    c('events', 'RemoveTargets', { Rule: RULE, Ids: ['lambda-deploy-live'] }),
    c('events', 'DeleteRule', { Name: RULE }),
    c('lambda', 'RemovePermission', {
      FunctionName: FUNCTION,
      Qualifier: 'live',
      StatementId: 'lambda-deploy-warm',
    }),
  ];

  const PROVISIONED_CONCURRENCY: Call[] = [
    c('lambda', 'GetProvisionedConcurrencyConfig', { FunctionName: FUNCTION, Qualifier: 'live' }),
    // Setting it takes from the account's unreserved concurrency: production only.
    ...(production
      ? [
          c('lambda', 'PutProvisionedConcurrencyConfig', {
            FunctionName: FUNCTION,
            Qualifier: 'live',
            ProvisionedConcurrentExecutions: 2,
          }),
        ]
      : []),
    c('lambda', 'DeleteProvisionedConcurrencyConfig', { FunctionName: FUNCTION, Qualifier: 'live' }),
  ];

  const LAYER_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:layer:${LAYER}`;
  const DEPENDENCIES_LAYER: Call[] = [
    c('lambda', 'ListLayerVersions', { LayerName: LAYER }),
    c('lambda', 'PublishLayerVersion', {
      LayerName: LAYER,
      Content: { S3Bucket: BUCKET, S3Key: `lambda-deploy/${PROJECT}/layer-9a9a.zip` },
    }),
    c('lambda', 'GetLayerVersionByArn', { Arn: `${LAYER_ARN}:3` }),
    // Prune's, with the production role: production's functions attach the layer's versions too.
    ...(production ? [c('lambda', 'DeleteLayerVersion', { LayerName: LAYER, VersionNumber: 2 })] : []),
    c('lambda', 'UpdateFunctionConfiguration', {
      FunctionName: FUNCTION,
      Role: role,
      Layers: [`${LAYER_ARN}:3`],
    }),
  ];

  return {
    FUNCTION,
    FUNCTION_ARN,
    TAGS,
    facts,
    DEPLOY_COMMON,
    DEPLOY_BY_GATEWAY,
    UNDEPLOY_COMMON,
    UNDEPLOY_BY_GATEWAY,
    KEEP_WARM,
    PROVISIONED_CONCURRENCY,
    DEPENDENCIES_LAYER,
  };
}
