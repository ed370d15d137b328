/**
 * THE fake AWS of the test suite: one stateful account (ACCOUNT_ID, REGION),
 * served over HTTP on 127.0.0.1 with one handler per service, so tests use
 * the real SDK clients as users' code does, and the bundled action reaches it
 * through the SDK's own endpoint settings.
 *
 *   const aws = await startFakeAws();              // simulated clock, AWS's page sizes
 *   const clients = aws.clients();                 // real SDK clients, endpoint = aws.url
 *   const deps = { logger, sleep: aws.clock.sleep }; // the code "waits": the account ages
 *   aws.seed.role('shop-lambda-deploy');           // an existing, propagated role
 *   aws.faults.throttle('CreateApi', 2);           // one faults API for every service
 *   await deployFunction(clients.lambda, input, deps);
 *   expect(aws.calls.operations('lambda')).toEqual(['GetFunction', 'GetAlias', 'CreateFunction', …]);
 *   await aws.close();
 *
 *   // the bundled action: node dist/index.js with these variables
 *   await runAction({ inputs, env: { ...aws.env(), ...aws.staticCredentialsEnv() } });
 *
 * What it models and its options: README.md beside this file.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AwsClients } from '../../src/aws/clients.js';
import { guardCreates } from '../../src/aws/create-once.js';
import { ACCOUNT_ID, REGION } from './account.js';
import { CallLog } from './call-log.js';
import { realClock, serverClock, simulatedClock, type Clock, type ServerClock } from './clock.js';
import { Faults } from './faults.js';
import { seeds, type Seeds } from './seeds.js';
import { listen } from './server.js';
import { DEFAULT_TIMINGS, type InvokeHandler, type ServiceContext, type Timings } from './service.js';
import { apiGatewayService } from './services/apigateway.js';
import { eventsService } from './services/events.js';
import { iamService } from './services/iam.js';
import { defaultInvoke } from './services/lambda-attached.js';
import { lambdaService } from './services/lambda.js';
import { logsService } from './services/logs.js';
import { s3Service } from './services/s3.js';
import { stsService, type WebIdentityMode } from './services/sts.js';
import { taggingService, type IndexEntry } from './services/tagging.js';
import { newAccountState, type AccountState, type LogEvent } from './state.js';

export { ACCOUNT_ID, OTHER_ACCOUNT_ID, REGION } from './account.js';
export type { AwsCall } from './call-log.js';
export type { Clock, ServerClock } from './clock.js';
export type { ServiceName } from './errors.js';
export { EMPTY_ZIP, GITHUB_OIDC_HOST, LAMBDA_TRUST, githubTrust } from './seeds.js';
export type { Timings } from './service.js';

export interface FakeAwsOptions {
  /** 'simulated' (default): time moves with `clock.advance`, `clock.sleep` and `tickPerRequestMs`; 'real': the wall clock. */
  clock?: 'simulated' | 'real' | Clock;
  /** How far the fake's wall clock (what signatures are checked against) is ahead of this machine's; default 0. */
  serverClockOffsetMs?: number;
  /** Simulated ms added on every request: states advance per poll even when the code sleeps for real (dist). */
  tickPerRequestMs?: number;
  timings?: Partial<Timings>;
  /** Caps every page the fake hands out (2 forces several pages with a handful of resources). */
  pageSize?: number;
  /** 'strict' (default): a signed request needs the static key or live STS credentials. */
  credentials?: 'strict' | 'any';
  /** 'trust-policy' (default): AssumeRoleWithWebIdentity checks the OIDC provider and the role's trust policy. */
  webIdentity?: WebIdentityMode;
  /** The ApiEndpoint of new HTTP APIs (default `https://{id}.execute-api.{region}.amazonaws.com`). */
  stageUrl?: ServiceContext['endpointFor'];
  /** What Lambda Invoke answers (default: a 200 proxy response with body `ok`). */
  invoke?: InvokeHandler;
  /** The value of each new API key (default a random `fakeApiKeyValue…`). */
  apiKeyValue?: () => string;
  /** The port on 127.0.0.1 (default 0: any free one). */
  port?: number;
}

export interface FakeAws {
  /** http://127.0.0.1:PORT */
  url: string;
  accountId: string;
  region: string;
  account: AccountState;
  clock: Clock;
  /** The wall clock a request's X-Amz-Date must be within 15 minutes of; `offsetMs` skews it. */
  serverClock: ServerClock;
  faults: Faults;
  calls: CallLog;
  seed: Seeds;
  staticCredentials: { accessKeyId: string; secretAccessKey: string };
  /** Real SDK clients of every service, pointed at the fake (no SDK retries unless `maxAttempts`). */
  clients(options?: { maxAttempts?: number; credentials?: AwsCredentialIdentity }): AwsClients;
  /** Variables that point the SDK (and so `node dist/index.js`) at the fake, without credentials. */
  env(): Record<string, string>;
  /** Like env(), with one AWS_ENDPOINT_URL_<SERVICE> per client instead of AWS_ENDPOINT_URL. */
  envPerService(): Record<string, string>;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the static key (ambient credentials). */
  staticCredentialsEnv(): Record<string, string>;
  /** The next create (State Failed) or update (LastUpdateStatus Failed) of the function (any, when unnamed) fails. */
  failNextChange(options?: {
    functionName?: string;
    kind?: 'create' | 'update';
    reason?: string;
    code?: string;
  }): void;
  /** Log lines of a function's group `/aws/lambda/{name}` (created when missing). */
  setFunctionLogs(functionName: string, lines: (string | LogEvent)[]): void;
  /** The bytes of an S3 object. */
  object(bucket: string, key: string): Buffer | undefined;
  close(): Promise<void>;
}

const SDK_SERVICE_IDS = [
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

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const account = newAccountState();
  const clock =
    typeof options.clock === 'object'
      ? options.clock
      : options.clock === 'real'
        ? realClock()
        : simulatedClock({ tickPerRequestMs: options.tickPerRequestMs });
  const wallClock = serverClock(options.serverClockOffsetMs);
  const faults = new Faults();
  const calls = new CallLog();
  const staleIndex: IndexEntry[] = [];
  const staticCredentials = {
    accessKeyId: `AKIAFAKE${randomBytes(6).toString('hex').toUpperCase()}`,
    secretAccessKey: `fakeStaticSecret${randomBytes(12).toString('base64url')}`,
  };
  const changeFailures: {
    functionName?: string;
    kind?: 'create' | 'update';
    reason: string;
    code: string;
  }[] = [];
  const timings: Timings = { ...DEFAULT_TIMINGS, ...options.timings };
  const context: Omit<ServiceContext, 'caller' | 'requestId' | 'url'> = {
    account,
    clock,
    timings,
    pageSize: options.pageSize ?? 0,
    endpointFor: options.stageUrl ?? ((api) => `https://${api.id}.execute-api.${REGION}.amazonaws.com`),
    newApiKeyValue: options.apiKeyValue ?? (() => `fakeApiKeyValue${randomBytes(12).toString('hex')}`),
    invoke: options.invoke ?? defaultInvoke,
    takeChangeFailure: (functionName, kind) => {
      const i = changeFailures.findIndex(
        (f) => (!f.functionName || f.functionName === functionName) && (!f.kind || f.kind === kind),
      );
      if (i < 0) return undefined;
      const [taken] = changeFailures.splice(i, 1);
      return { reason: taken!.reason, code: taken!.code };
    },
  };
  const { url, server } = await listen(
    {
      account,
      clock,
      serverClock: wallClock,
      faults,
      calls,
      staticCredentials,
      credentials: options.credentials ?? 'strict',
      handlers: {
        lambda: lambdaService,
        iam: iamService,
        sts: stsService(options.webIdentity ?? 'trust-policy'),
        s3: s3Service,
        apigateway: apiGatewayService,
        logs: logsService,
        events: eventsService,
        tagging: taggingService(staleIndex),
      },
      context,
    },
    options.port,
  );
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
    account,
    clock,
    serverClock: wallClock,
    faults,
    calls,
    seed: seeds(account, clock, context, staleIndex),
    staticCredentials,
    clients: (o = {}) => buildClients(url, o.credentials ?? staticCredentials, o.maxAttempts ?? 1),
    env,
    envPerService: () => {
      const { AWS_ENDPOINT_URL: _global, ...rest } = env();
      return { ...rest, ...Object.fromEntries(SDK_SERVICE_IDS.map((id) => [`AWS_ENDPOINT_URL_${id}`, url])) };
    },
    staticCredentialsEnv: () => ({
      AWS_ACCESS_KEY_ID: staticCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: staticCredentials.secretAccessKey,
    }),
    failNextChange: (o = {}) => {
      changeFailures.push({
        ...o,
        reason: o.reason ?? 'The function could not be updated: the deployment package is invalid.',
        code: o.code ?? 'InvalidZipFileException',
      });
    },
    setFunctionLogs: (functionName, lines) => {
      const name = `/aws/lambda/${functionName}`;
      const group = account.logGroups.get(name) ?? { name, createdAt: clock.now(), tags: {}, events: [] };
      group.events = lines.map((l) => (typeof l === 'string' ? { message: l } : l));
      account.logGroups.set(name, group);
    },
    object: (bucket, key) => account.buckets.get(bucket)?.objects.get(key)?.bytes,
    close: () => close(server),
  };
}

/** Closes the server; closing twice is harmless (an afterEach after a test that restarted the fake). */
function close(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

function buildClients(endpoint: string, credentials: AwsCredentialIdentity, maxAttempts: number): AwsClients {
  const common = { region: REGION, endpoint, credentials, maxAttempts };
  return {
    region: REGION,
    lambda: new LambdaClient(common),
    // As the action builds it (src/aws/clients.ts): checksums only when required, path-style.
    s3: new S3Client({
      ...common,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    iam: new IAMClient(common),
    sts: new STSClient(common),
    // As the action builds them: the non-unique creates are not retried by the SDK.
    apiGatewayV2: guardCreates(new ApiGatewayV2Client(common)),
    apiGateway: guardCreates(new APIGatewayClient(common)),
    logs: new CloudWatchLogsClient(common),
    tagging: new ResourceGroupsTaggingAPIClient(common),
    events: new EventBridgeClient(common),
  };
}
