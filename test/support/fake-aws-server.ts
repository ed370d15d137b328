/**
 * A fake AWS account on 127.0.0.1 that speaks the wire protocols of the calls
 * lambda-deploy makes, so the bundled action (`node dist/index.js`) runs end to
 * end against it through the SDK's own endpoint settings (AWS_ENDPOINT_URL,
 * AWS_S3_FORCE_PATH_STYLE). Account 123456789012, region us-east-1, state in
 * memory, every request recorded.
 *
 * Requests are routed by the service of their SigV4 credential scope
 * (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`); the one unsigned call,
 * STS AssumeRoleWithWebIdentity, by its `Action`. Signed requests must use a
 * key the fake knows: the static test key or one STS issued (with its session
 * token), so a test proves which credentials the action really used.
 *
 *   const aws = await startFakeAws();
 *   aws.setStageUrl(() => smoke.url);        // ApiEndpoint of new HTTP APIs
 *   await runAction({ inputs, env: { ...aws.env(), ...aws.staticCredentialsEnv() } });
 *   expect(aws.operations('lambda')).toContain('CreateFunction');
 *   await aws.close();
 *
 * Modelled: functions are Pending on the first read after CreateFunction and
 * InProgress on the first read after an update (`busyReads`), and refuse
 * another update or PublishVersion meanwhile (ResourceConflictException);
 * CodeSha256 is the base64 SHA-256 of the artifact read from the fake S3;
 * PublishVersion honours the CodeSha256 guard and publishes nothing new when
 * $LATEST equals the newest version; aliases need an existing version; a
 * version an alias points at cannot be deleted; a usage plan bound to an API
 * stage cannot be deleted; S3 checks the expected bucket owner and the
 * declared SHA-256 of an upload.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { routeApiGateway, type ApiInfo } from './fake-aws-server/apigateway.js';
import {
  AwsFault,
  credentialScope,
  renderFault,
  type FakeRequest,
  type Protocol,
  type Reply,
} from './fake-aws-server/http.js';
import { routeJsonRpc } from './fake-aws-server/json-rpc.js';
import { routeLambda, type Routed } from './fake-aws-server/lambda.js';
import { routeQuery, type IssuedCredentials } from './fake-aws-server/query.js';
import { routeS3, type S3Context } from './fake-aws-server/s3.js';
import { executionRoleTrustPolicy } from '../../src/resources/execution-role/execution-policy.js';
import {
  ACCOUNT_ID,
  REGION,
  lambdaTime,
  newId,
  newRevision,
  newState,
  type AccountState,
  type FakeFunction,
  type FakeHttpApi,
  type FakeLogEvent,
} from './fake-aws-server/state.js';

export type { ApiInfo } from './fake-aws-server/apigateway.js';
export type { IssuedCredentials } from './fake-aws-server/query.js';
export type { AccountState, FakeFunction, FakeHttpApi } from './fake-aws-server/state.js';
export { ACCOUNT_ID, REGION } from './fake-aws-server/state.js';

export type AwsService = 'sts' | 'iam' | 'lambda' | 'apigateway' | 's3' | 'logs' | 'events' | 'tagging';

const PROTOCOLS: Record<AwsService, Protocol> = {
  sts: 'query',
  iam: 'query',
  lambda: 'rest-json',
  apigateway: 'rest-json',
  s3: 'rest-xml',
  logs: 'json-1.1',
  events: 'json-1.1',
  tagging: 'json-1.1',
};

/** One request the fake received. */
export interface AwsCall {
  service: AwsService | 'unknown';
  /** The SDK operation name, e.g. CreateFunction, PutObject, GetApis. */
  operation: string;
  method: string;
  path: string;
  /** Parameters: the JSON body, form fields, query and path ids (S3: Bucket, Key, ContentLength). */
  input: Record<string, unknown>;
  /** The status the fake answered. */
  status: number;
  /** The error code, when it answered with one. */
  error?: string;
  /** '' for an unsigned request. */
  accessKeyId: string;
  /** When it arrived (ms since the epoch): gaps show where the client waited. */
  at: number;
}

export interface FakeAwsOptions {
  /** Reads of $LATEST that still show Pending / InProgress after a create or update; 1 by default. */
  busyReads?: number;
  /** Refuses a web identity token with AccessDenied when this returns a message. Default: accept a JWT-shaped token. */
  checkWebIdentity?: (token: string, roleArn: string) => string | undefined;
}

export interface FakeAws {
  /** http://127.0.0.1:PORT */
  url: string;
  accountId: string;
  region: string;
  state: AccountState;
  requests: AwsCall[];
  /** Credentials STS issued through AssumeRoleWithWebIdentity. */
  issued: IssuedCredentials[];
  /** The static key pair the fake accepts (the "ambient" credentials of a run without role-to-assume). */
  staticCredentials: { accessKeyId: string; secretAccessKey: string };
  /** Environment that points the SDK at the fake, with no credentials of its own. */
  env(): Record<string, string>;
  /** Like env(), with one AWS_ENDPOINT_URL_<SERVICE> per client instead of the global AWS_ENDPOINT_URL. */
  envPerService(): Record<string, string>;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the static key pair. */
  staticCredentialsEnv(): Record<string, string>;
  /** `service:Operation` of every request (or of one service's, without the prefix). */
  operations(service?: AwsService): string[];
  /** Counts by `service:Operation`. */
  counts(): Record<string, number>;
  /** The ApiEndpoint of HTTP APIs created from now on (default `https://{id}.execute-api.us-east-1.amazonaws.com`). */
  setStageUrl(endpoint: (api: ApiInfo) => string): void;
  /** Log lines of a function (`/aws/lambda/{name}`) that FilterLogEvents returns; without a time, inside the window asked for. */
  setFunctionLogs(functionName: string, lines: (string | FakeLogEvent)[]): void;
  /** The bytes of an object in the fake S3. */
  object(bucket: string, key: string): Buffer | undefined;
  /** The value of API keys created from now on (default a recognisable random value). */
  setApiKeyValue(value: () => string): void;
  /** Puts a settled function straight into the account (a decoy, or someone else's). */
  seedFunction(name: string, tags: Record<string, string>): FakeFunction;
  /** Puts an HTTP API straight into the account. */
  seedHttpApi(name: string, tags: Record<string, string>): FakeHttpApi;
  /** What `lambda-deploy setup` leaves for a project: the preview execution role (previews never create IAM roles). */
  seedSetup(project: string): void;
  clearRequests(): void;
  close(): Promise<void>;
}

const defaultCheck = (token: string) =>
  /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)
    ? undefined
    : 'Not authorized to perform sts:AssumeRoleWithWebIdentity';

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const state = newState();
  const requests: AwsCall[] = [];
  const issued: IssuedCredentials[] = [];
  const staticCredentials = {
    accessKeyId: `AKIAFAKE${randomBytes(6).toString('hex').toUpperCase()}`,
    secretAccessKey: `fakeStaticSecret${randomBytes(12).toString('base64url')}`,
  };
  let endpointFor = (api: ApiInfo) => `https://${api.id}.execute-api.${REGION}.amazonaws.com`;
  let newApiKeyValue = () => `fakeApiKeyValue${randomBytes(12).toString('hex')}`;
  const s3: S3Context = { state, uploads: new Map() };
  const readObject = (bucket: string, key: string) => state.buckets.get(bucket)?.objects.get(key)?.bytes;

  function serviceOf(req: FakeRequest): AwsService | 'unknown' {
    const scope = credentialScope(req.headers.authorization);
    if (scope) return (scope.service in PROTOCOLS ? scope.service : 'unknown') as AwsService | 'unknown';
    const action = new URLSearchParams(req.body.toString('utf8')).get('Action');
    return action === 'AssumeRoleWithWebIdentity' ? 'sts' : 'unknown';
  }

  /** A signed request must carry a key the fake knows (and an issued key its session token). */
  function checkCredentials(req: FakeRequest): void {
    if (!req.headers.authorization) return;
    if (req.accessKeyId === staticCredentials.accessKeyId) return;
    const session = issued.find((c) => c.accessKeyId === req.accessKeyId);
    if (session && req.headers['x-amz-security-token'] === session.sessionToken) return;
    throw new AwsFault(
      403,
      'InvalidClientTokenId',
      `The security token included in the request is invalid (key ${req.accessKeyId}).`,
    );
  }

  function route(service: AwsService | 'unknown', req: FakeRequest): Routed {
    switch (service) {
      case 'sts':
      case 'iam':
        return routeQuery(service, req, {
          state,
          issued,
          checkWebIdentity: options.checkWebIdentity ?? defaultCheck,
        });
      case 'lambda':
        return routeLambda(req, { state, busyReads: options.busyReads ?? 1, readObject });
      case 'apigateway':
        return routeApiGateway(req, {
          state,
          endpointFor: (api) => endpointFor(api),
          newApiKeyValue: () => newApiKeyValue(),
        });
      case 's3':
        return routeS3(req, s3);
      case 'logs':
      case 'events':
      case 'tagging':
        return routeJsonRpc(service, req, { state });
      default:
        return {
          operation: 'Unknown',
          input: {},
          run: () => {
            throw new AwsFault(
              400,
              'UnknownService',
              `The fake AWS does not know this request: ${req.method} ${req.path}`,
            );
          },
        };
    }
  }

  function faultCode(service: AwsService | 'unknown', code: string): string {
    if (code !== 'InvalidClientTokenId') return code;
    if (service === 's3') return 'InvalidAccessKeyId';
    return PROTOCOLS[service as AwsService] === 'query' ? code : 'UnrecognizedClientException';
  }

  async function handle(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const parsed = new URL(incoming.url ?? '/', 'http://127.0.0.1');
    const req: FakeRequest = {
      method: incoming.method ?? 'GET',
      path: parsed.pathname,
      segments: parsed.pathname
        .split('/')
        .filter(Boolean)
        .map((s) => decodeURIComponent(s)),
      query: parsed.searchParams,
      headers: incoming.headers,
      body: Buffer.concat(chunks),
      accessKeyId: credentialScope(incoming.headers.authorization)?.accessKeyId ?? '',
    };
    const service = serviceOf(req);
    const routed = route(service, req);
    const call: AwsCall = {
      service,
      operation: routed.operation,
      method: req.method,
      path: req.path,
      input: routed.input,
      status: 0,
      accessKeyId: req.accessKeyId,
      at: Date.now(),
    };
    requests.push(call);
    const requestId = newId(16);
    let reply: Reply;
    try {
      checkCredentials(req);
      reply = routed.run();
    } catch (error) {
      const fault =
        error instanceof AwsFault
          ? new AwsFault(error.status, faultCode(service, error.code), error.message)
          : new AwsFault(
              500,
              'InternalFailure',
              `The fake AWS failed: ${(error as Error).stack ?? String(error)}`,
            );
      call.error = fault.code;
      reply = renderFault(
        service === 'unknown' ? 'rest-json' : PROTOCOLS[service],
        fault,
        req.method,
        requestId,
      );
    }
    call.status = reply.status;
    res.writeHead(reply.status, {
      'x-amzn-requestid': requestId,
      'x-amz-request-id': requestId,
      ...reply.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const env = () => ({
    AWS_ENDPOINT_URL: url,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: REGION,
    // Nothing from this machine: no profile, no instance metadata.
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  return {
    url,
    accountId: ACCOUNT_ID,
    region: REGION,
    state,
    requests,
    issued,
    staticCredentials,
    env,
    envPerService: () => {
      const { AWS_ENDPOINT_URL: _global, ...rest } = env();
      // The SDK's service ids, upper-cased with spaces as underscores.
      const ids = [
        'STS',
        'IAM',
        'LAMBDA',
        'S3',
        'API_GATEWAY',
        'APIGATEWAYV2',
        'CLOUDWATCH_LOGS',
        'EVENTBRIDGE',
        'RESOURCE_GROUPS_TAGGING_API',
      ];
      return { ...rest, ...Object.fromEntries(ids.map((id) => [`AWS_ENDPOINT_URL_${id}`, url])) };
    },
    staticCredentialsEnv: () => ({
      AWS_ACCESS_KEY_ID: staticCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: staticCredentials.secretAccessKey,
    }),
    operations: (service) =>
      requests
        .filter((r) => !service || r.service === service)
        .map((r) => (service ? r.operation : `${r.service}:${r.operation}`)),
    counts: () => {
      const out: Record<string, number> = {};
      for (const r of requests)
        out[`${r.service}:${r.operation}`] = (out[`${r.service}:${r.operation}`] ?? 0) + 1;
      return out;
    },
    setStageUrl: (endpoint) => {
      endpointFor = endpoint;
    },
    setFunctionLogs: (functionName, lines) => {
      state.logs.set(
        `/aws/lambda/${functionName}`,
        lines.map((l) => (typeof l === 'string' ? { message: l } : l)),
      );
    },
    object: readObject,
    setApiKeyValue: (value) => {
      newApiKeyValue = value;
    },
    seedSetup: (project) => {
      const name = `${project}-lambda-deploy-preview`;
      state.roles.set(name, {
        RoleName: name,
        RoleId: `AROA${name.length}SETUP`,
        Arn: `arn:aws:iam::${ACCOUNT_ID}:role/${name}`,
        Path: '/',
        CreateDate: new Date(),
        AssumeRolePolicyDocument: JSON.stringify(executionRoleTrustPolicy()),
        Tags: { 'lambda-deploy:name': project },
        policies: new Map(),
      });
    },
    seedFunction: (name, tags) => {
      const arn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;
      const fn: FakeFunction = {
        name,
        arn,
        latest: {
          FunctionName: name,
          FunctionArn: arn,
          Runtime: 'python3.12',
          Role: `arn:aws:iam::${ACCOUNT_ID}:role/someone-else`,
          Handler: 'app.handler',
          CodeSize: 1,
          Description: 'seeded by the test',
          Timeout: 3,
          MemorySize: 128,
          LastModified: lambdaTime(),
          CodeSha256: 'AAAA',
          Version: '$LATEST',
          Architectures: ['x86_64'],
          PackageType: 'Zip',
          State: 'Active',
          LastUpdateStatus: 'Successful',
          RevisionId: newRevision(),
        },
        tags: { ...tags },
        versions: new Map(),
        nextVersion: 1,
        aliases: new Map(),
        policies: new Map(),
        busyReadsLeft: 0,
      };
      state.functions.set(name, fn);
      return fn;
    },
    seedHttpApi: (name, tags) => {
      const id = newId(10);
      const api: FakeHttpApi = {
        id,
        name,
        protocolType: 'HTTP',
        createdDate: new Date(),
        tags: { ...tags },
        apiEndpoint: `https://${id}.execute-api.${REGION}.amazonaws.com`,
        integrations: new Map(),
        routes: new Map(),
        stages: new Map(),
      };
      state.httpApis.set(id, api);
      return api;
    },
    clearRequests: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
