/**
 * The fake against its two references:
 * - the project: every AWS command src/ sends (and those the setup command
 *   will send) reaches the fake as that operation, through the real SDK
 *   client. A new call in src/ that the fake does not model fails here.
 * - AWS: every error status in the fake's catalog equals the status in AWS's
 *   own service model, as shipped in the installed SDK clients.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ERROR_STATUS, type ServiceName } from '../../fakes/aws/errors.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';

const ROOT = resolve(new URL('.', import.meta.url).pathname, '../..');
const PACKAGE_OF: Record<string, ServiceName> = {
  'client-lambda': 'lambda',
  'client-iam': 'iam',
  'client-sts': 'sts',
  'client-s3': 's3',
  'client-api-gateway': 'apiGateway',
  'client-apigatewayv2': 'apiGatewayV2',
  'client-cloudwatch-logs': 'logs',
  'client-eventbridge': 'events',
  'client-resource-groups-tagging-api': 'tagging',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** `service Operation` of every command src/ imports from an AWS client package. */
function commandsOfSource(): [string, ServiceName, string][] {
  const found = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[\w-]+)'/g)) {
      const pkg = m[2] as string;
      for (const raw of (m[1] as string).split(',')) {
        const name = raw
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0] as string;
        if (/^\w+Command$/.test(name) && PACKAGE_OF[pkg]) found.add(`${pkg} ${name}`);
      }
    }
  }
  return [...found].sort().map((entry) => {
    const [pkg, command] = entry.split(' ') as [string, string];
    return [pkg, PACKAGE_OF[pkg] as ServiceName, command.replace(/Command$/, '')];
  });
}

/** What issue 12's setup command and issue 13's artifact checks will send. */
const PLANNED: [string, ServiceName, string][] = [
  ['client-iam', 'iam', 'CreateOpenIDConnectProvider'],
  ['client-iam', 'iam', 'GetOpenIDConnectProvider'],
  ['client-iam', 'iam', 'ListOpenIDConnectProviders'],
  ['client-iam', 'iam', 'PutRolePermissionsBoundary'],
  ['client-iam', 'iam', 'DeleteRolePermissionsBoundary'],
  ['client-iam', 'iam', 'UpdateAssumeRolePolicy'],
  ['client-iam', 'iam', 'ListRolePolicies'],
  ['client-iam', 'iam', 'DeleteRolePolicy'],
  ['client-iam', 'iam', 'AttachRolePolicy'],
  ['client-iam', 'iam', 'ListAttachedRolePolicies'],
  ['client-iam', 'iam', 'DeleteRole'],
  ['client-iam', 'iam', 'CreatePolicy'],
  ['client-iam', 'iam', 'GetPolicy'],
  ['client-iam', 'iam', 'CreatePolicyVersion'],
  ['client-iam', 'iam', 'GetPolicyVersion'],
  ['client-iam', 'iam', 'ListPolicyVersions'],
  ['client-iam', 'iam', 'DeletePolicyVersion'],
  ['client-iam', 'iam', 'DeletePolicy'],
  ['client-s3', 's3', 'PutBucketPolicy'],
  ['client-s3', 's3', 'GetBucketPolicy'],
  ['client-s3', 's3', 'GetPublicAccessBlock'],
  ['client-s3', 's3', 'GetBucketEncryption'],
  ['client-s3', 's3', 'GetBucketOwnershipControls'],
  ['client-s3', 's3', 'GetObject'],
  ['client-s3', 's3', 'PutObject'],
  ['client-s3', 's3', 'ListObjectsV2'],
  ['client-lambda', 'lambda', 'ListAliases'],
  ['client-lambda', 'lambda', 'DeleteAlias'],
  ['client-lambda', 'lambda', 'ListTags'],
];

/** Values for every path label and required member the commands above take. */
const ANY_INPUT: Record<string, unknown> = {
  FunctionName: 'f',
  Name: 'live',
  Qualifier: 'live',
  StatementId: 's',
  LayerName: 'l',
  VersionNumber: 1,
  Arn: 'arn:aws:lambda:us-east-1:123456789012:layer:l:1',
  Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f',
  ProvisionedConcurrentExecutions: 1,
  Action: 'lambda:InvokeFunction',
  Principal: 'events.amazonaws.com',
  AuthType: 'NONE',
  FunctionVersion: '1',
  Role: 'arn:aws:iam::123456789012:role/r',
  Code: { ZipFile: new Uint8Array([1]) },
  Content: { ZipFile: new Uint8Array([1]) },
  ApiId: 'a',
  IntegrationId: 'i',
  RouteId: 'r',
  StageName: 's',
  ResourceArn: 'arn:aws:apigateway:us-east-1::/apis/a',
  ProtocolType: 'HTTP',
  RouteKey: '$default',
  IntegrationType: 'AWS_PROXY',
  restApiId: 'r',
  resourceId: 'r',
  httpMethod: 'GET',
  parentId: 'p',
  stageName: 's',
  apiKey: 'k',
  usagePlanId: 'u',
  keyId: 'k',
  keyType: 'API_KEY',
  name: 'n',
  deploymentId: 'd',
  pathPart: 'p',
  authorizationType: 'NONE',
  type: 'AWS_PROXY',
  resourceArn: 'arn:aws:apigateway:us-east-1::/restapis/r',
  tags: {},
  Bucket: 'b',
  Key: 'k',
  CopySource: 'b/k', // only CopyObject sends it (x-amz-copy-source)
  UploadId: 'u',
  PartNumber: 1,
  Body: 'x',
  Policy: '{}',
  PublicAccessBlockConfiguration: {},
  ServerSideEncryptionConfiguration: { Rules: [] },
  OwnershipControls: { Rules: [] },
  LifecycleConfiguration: { Rules: [] },
  RoleName: 'r',
  PolicyName: 'p',
  PolicyDocument: '{}',
  AssumeRolePolicyDocument: '{}',
  PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
  PermissionsBoundary: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
  Url: 'https://token.actions.githubusercontent.com',
  OpenIDConnectProviderArn: 'arn:aws:iam::123456789012:oidc-provider/x',
  Tags: [],
  RoleArn: 'arn:aws:iam::123456789012:role/r',
  RoleSessionName: 'session',
  WebIdentityToken: 'a.b.c',
  logGroupName: '/aws/lambda/f',
  resourceArn_logs: undefined,
  Rule: 'r',
  Ids: ['t'],
  Targets: [{ Id: 't', Arn: 'arn:x' }],
  ResourceARN: 'arn:aws:events:us-east-1:123456789012:rule/r',
  ScheduleExpression: 'rate(5 minutes)',
};

let aws: FakeAws;
const require = createRequire(import.meta.url);

beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());

describe('every AWS call of the project reaches the fake as itself', () => {
  const calls = [...commandsOfSource(), ...PLANNED];

  test('src/ sends at least the calls DESIGN.md names', () => {
    const names = calls.map(([, s, op]) => `${s}:${op}`);
    for (const op of [
      'lambda:CreateFunction',
      'sts:AssumeRoleWithWebIdentity',
      's3:HeadBucket',
      'apiGateway:DeleteRestApi',
      'tagging:GetResources',
      'events:PutRule',
      'logs:FilterLogEvents',
    ])
      expect(names).toContain(op);
    expect(names.length).toBeGreaterThan(90);
  });

  test.each(calls)('%s %s %s', async (pkg, service, op) => {
    const module = (await import(`@aws-sdk/${pkg}`)) as Record<string, new (input: unknown) => unknown>;
    const Command = module[`${op}Command`];
    expect(Command).toBeDefined();
    const clients = aws.clients() as unknown as Record<ServiceName, { send(c: unknown): Promise<unknown> }>;
    aws.calls.clear();
    await clients[service]
      .send(
        new Command!({
          ...ANY_INPUT,
          ...(service === 'logs'
            ? { resourceArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f' }
            : {}),
        }),
      )
      .catch(() => undefined);
    const [call] = aws.calls.calls;
    expect(call).toMatchObject({ service, operation: op });
    expect(['UnknownOperationException', 'InvalidAction', 'NotImplemented', 'UnknownService']).not.toContain(
      call!.error,
    );
    // A 5xx here would be the fake failing, not AWS refusing.
    expect(call!.status).toBeLessThan(500);
  });
});

/**
 * The errors of AWS's Smithy model inside an installed SDK client: every
 * error shape's name, and its HTTP status where the model states one
 * (`httpError`, or `awsQueryError` with the query protocol's wire code).
 */
function modelErrors(pkg: string): { names: Set<string>; statuses: Map<string, number> } {
  const schema = join(
    dirname(require.resolve(`@aws-sdk/${pkg}/package.json`)),
    'dist-es/schemas/schemas_0.js',
  );
  const text = readFileSync(schema, 'utf8');
  const consts = new Map(
    [...text.matchAll(/const (_\w+) = "([^"]*)";/g)].map((m) => [m[1] as string, m[2] as string]),
  );
  const out = new Map<string, number>();
  const names = new Set<string>();
  for (const m of text.matchAll(/\[\s*-3,\s*\w+,\s*(_\w+),\s*\{([^}]*)\}/g)) {
    const name = consts.get(m[1] as string) ?? '';
    names.add(name);
    const http = /\[_hE\]:\s*(\d+)/.exec(m[2] as string);
    const query = /\[_aQE\]:\s*\[`?"?([^,"`\]]*)"?`?,\s*(\d+)\]/.exec(m[2] as string);
    if (http) out.set(name, Number(http[1]));
    // The query protocol's wire code (NoSuchEntity) may differ from the shape name (NoSuchEntityException).
    if (query) {
      out.set(query[1] as string, Number(query[2]));
      names.add(query[1] as string);
    }
  }
  return { names, statuses: out };
}

/** Errors AWS answers from any service, outside the services' own models. */
const COMMON = new Set([
  'AccessDeniedException',
  'ValidationException',
  'AccessDenied',
  'Throttling',
  'ThrottlingException',
  'ValidationError',
  'InternalFailure',
  'ServiceUnavailableException',
  'InternalServerError',
]);

describe("the fake's error statuses are AWS's", () => {
  const pkgOf = Object.fromEntries(Object.entries(PACKAGE_OF).map(([pkg, s]) => [s, pkg])) as Record<
    ServiceName,
    string
  >;

  test.each(Object.keys(ERROR_STATUS) as ServiceName[])('%s', (service) => {
    const model = modelErrors(pkgOf[service]);
    expect(model.names.size).toBeGreaterThan(3); // the model was found and read
    const mismatches: string[] = [];
    for (const [name, status] of Object.entries(ERROR_STATUS[service])) {
      const modelled = model.statuses.get(name);
      if (modelled !== undefined && modelled !== status)
        mismatches.push(`${name}: fake ${status}, AWS ${modelled}`);
      // S3's model names few of its errors; every other service's error is in its model or common to all.
      if (service !== 's3' && !model.names.has(name) && !COMMON.has(name))
        mismatches.push(`${name}: not an error of ${service}`);
      // JSON 1.1 models state no status: client errors are 400, server errors 500.
      if (modelled === undefined && ['logs', 'events', 'tagging'].includes(service))
        expect([400, 500]).toContain(status);
    }
    expect(mismatches).toEqual([]);
  });

  test('not found is never 400 and a conflict never 400 in the REST services (the old fakes’ mistake)', () => {
    expect(ERROR_STATUS.lambda.ResourceNotFoundException).toBe(404);
    expect(ERROR_STATUS.lambda.ResourceConflictException).toBe(409);
    expect(ERROR_STATUS.apiGateway.NotFoundException).toBe(404);
    expect(ERROR_STATUS.apiGateway.ConflictException).toBe(409);
    expect(ERROR_STATUS.apiGatewayV2.NotFoundException).toBe(404);
    expect(ERROR_STATUS.lambda.TooManyRequestsException).toBe(429);
    expect(ERROR_STATUS.apiGateway.TooManyRequestsException).toBe(429);
  });
});
