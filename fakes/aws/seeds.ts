/**
 * Puts things straight into the account, as if they had been made earlier
 * (by an earlier deploy, by someone else, by another account): settled, not
 * Pending, roles already propagated. Each returns what it made.
 */
import { createHash } from 'node:crypto';
import {
  boundaryPolicyName,
  executionBoundaryPolicy,
  executionRoleName,
  executionRolePolicy,
} from '../../src/resources/execution-role/execution-policy.js';
import { defaultBucketName } from '../../src/resources/artifacts/artifact-bucket.js';
import { ACCOUNT_ID, REGION, arn, newIamId, newId, newUuid, type Tags } from './account.js';
import type { Clock } from './clock.js';
import type { IndexEntry } from './services/tagging.js';
import type { ServiceContext } from './service.js';
import { lambdaTime, sha256 } from './services/lambda-model.js';
import type {
  AccountState,
  ApiKey,
  Bucket,
  EventRule,
  HttpApi,
  LambdaFunction,
  LogEvent,
  LogGroup,
  ManagedPolicy,
  OidcProvider,
  RestApi,
  Role,
  UsagePlan,
} from './state.js';

/** A zip with no entries: the smallest package Lambda accepts. */
export const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

export const LAMBDA_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** A deploy role's trust policy: GitHub's OIDC provider, audience sts.amazonaws.com, `sub` matching one of the patterns. */
export function githubTrust(subPatterns: string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: arn.oidcProvider(GITHUB_OIDC_HOST) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com' },
          StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: subPatterns },
        },
      },
    ],
  });
}

export function seeds(
  account: AccountState,
  clock: Clock,
  context: Pick<ServiceContext, 'endpointFor' | 'timings'>,
  staleIndex: IndexEntry[],
) {
  const settledRoleTime = () => clock.now() - context.timings.rolePropagationMs - 1;
  const seed = {
    /** A role made long enough ago for Lambda to accept it (trusting Lambda unless `trust` says otherwise). */
    role(
      name: string,
      options: { trust?: string; tags?: Tags; path?: string; justCreated?: boolean } = {},
    ): Role {
      const path = options.path ?? '/';
      const role: Role = {
        RoleName: name,
        RoleId: newIamId('AROA'),
        Arn: arn.role(name, path),
        Path: path,
        createdAt: options.justCreated ? clock.now() : settledRoleTime(),
        AssumeRolePolicyDocument: options.trust ?? LAMBDA_TRUST,
        MaxSessionDuration: 3600,
        Tags: { ...(options.tags ?? {}) },
        inlinePolicies: new Map(),
        attachedPolicies: [],
      };
      account.roles.set(name, role);
      return role;
    },

    /** A customer managed policy of the account. */
    managedPolicy(name: string, document = '{"Version":"2012-10-17","Statement":[]}'): ManagedPolicy {
      const policy: ManagedPolicy = {
        PolicyName: name,
        PolicyId: newIamId('ANPA'),
        Arn: arn.policy(name),
        Path: '/',
        DefaultVersionId: 'v1',
        versions: new Map([['v1', { document, createdAt: clock.now() }]]),
        nextVersion: 2,
        Tags: {},
        createdAt: clock.now(),
      };
      account.managedPolicies.set(policy.Arn, policy);
      return policy;
    },

    /**
     * What `lambda-deploy setup` leaves for a project (issue 12): the
     * boundary policy of the production execution role and the preview
     * execution role with its inline policy. Deploy roles: githubDeployRole.
     */
    setup(
      project: string,
      options: { policyStatements?: object[] } = {},
    ): { boundary: ManagedPolicy; previewRole: Role } {
      const boundary = seed.managedPolicy(
        boundaryPolicyName(project),
        JSON.stringify(executionBoundaryPolicy(project, ACCOUNT_ID, options.policyStatements)),
      );
      const previewRole = seed.role(executionRoleName(project, 'preview'), {
        tags: { 'lambda-deploy:name': project },
      });
      previewRole.inlinePolicies.set(
        'lambda-deploy',
        // As setup writes it: with the read grant on the previews' slim archives in the default bucket.
        JSON.stringify(
          executionRolePolicy(project, ACCOUNT_ID, [], {
            kind: 'preview',
            bucket: defaultBucketName(ACCOUNT_ID, REGION),
          }),
        ),
      );
      return { boundary, previewRole };
    },

    /** GitHub's OIDC provider (audience sts.amazonaws.com), as the setup command creates it. */
    githubOidcProvider(clientIds: string[] = ['sts.amazonaws.com']): OidcProvider {
      const provider: OidcProvider = {
        Arn: arn.oidcProvider(GITHUB_OIDC_HOST),
        Url: GITHUB_OIDC_HOST,
        ClientIDList: clientIds,
        ThumbprintList: [],
        Tags: {},
        createdAt: clock.now(),
      };
      account.oidcProviders.set(provider.Arn, provider);
      return provider;
    },

    /** The provider and a deploy role that GitHub tokens whose `sub` matches one of the patterns may assume. */
    githubDeployRole(name: string, subPatterns: string[] = ['repo:*']): Role {
      if (!account.oidcProviders.has(arn.oidcProvider(GITHUB_OIDC_HOST))) seed.githubOidcProvider();
      return seed.role(name, { trust: githubTrust(subPatterns) });
    },

    bucket(name: string, options: { owner?: string; region?: string } = {}): Bucket {
      const bucket: Bucket = {
        name,
        owner: options.owner ?? ACCOUNT_ID,
        region: options.region ?? REGION,
        createdAt: clock.now(),
        objects: new Map(),
        settings: new Map(),
        uploads: new Map(),
      };
      account.buckets.set(name, bucket);
      return bucket;
    },

    object(
      bucket: string,
      key: string,
      bytes: Buffer,
      options: { metadata?: Record<string, string>; lastModified?: number } = {},
    ) {
      const b = account.buckets.get(bucket) ?? seed.bucket(bucket);
      b.objects.set(key, {
        bytes,
        etag: `"${createHash('md5').update(bytes).digest('hex')}"`,
        lastModified: options.lastModified ?? clock.now(),
        metadata: options.metadata ?? {},
        checksum: { algorithm: 'SHA256', value: sha256(bytes), type: 'FULL_OBJECT' },
      });
    },

    /** A settled function, optionally with published versions and an alias pointing at the newest. */
    function(
      name: string,
      options: {
        tags?: Tags;
        role?: string;
        zip?: Buffer;
        versions?: number;
        alias?: string;
        runtime?: string;
        handler?: string;
      } = {},
    ): LambdaFunction {
      const zip = options.zip ?? EMPTY_ZIP;
      const fnArn = arn.function(name);
      const fn: LambdaFunction = {
        name,
        arn: fnArn,
        latest: {
          FunctionName: name,
          FunctionArn: fnArn,
          Runtime: options.runtime ?? 'python3.12',
          Role: options.role ?? arn.role('seeded-execution-role'),
          Handler: options.handler ?? 'app.handler',
          CodeSize: zip.length,
          Description: '',
          Timeout: 3,
          MemorySize: 128,
          EphemeralStorage: { Size: 512 },
          LastModified: lambdaTime(clock.now()),
          CodeSha256: sha256(zip),
          Version: '$LATEST',
          Architectures: ['x86_64'],
          PackageType: 'Zip',
          RevisionId: newUuid(),
        },
        tags: { ...(options.tags ?? {}) },
        versions: new Map(),
        nextVersion: 1,
        aliases: new Map(),
        policies: new Map(),
        urls: new Map(),
        provisioned: new Map(),
      };
      for (let i = 0; i < (options.versions ?? (options.alias ? 1 : 0)); i++) {
        const v = String(fn.nextVersion++);
        fn.versions.set(v, {
          config: {
            ...structuredClone(fn.latest),
            Version: v,
            FunctionArn: `${fnArn}:${v}`,
            RevisionId: newUuid(),
          },
          readyAt: 0,
        });
      }
      if (options.alias)
        fn.aliases.set(options.alias, {
          Name: options.alias,
          FunctionVersion: String(fn.nextVersion - 1),
          Description: '',
          RevisionId: newUuid(),
        });
      account.functions.set(name, fn);
      return fn;
    },

    layerVersion(name: string, zip: Buffer = EMPTY_ZIP, description = ''): string {
      const layer = account.layers.get(name) ?? { name, versions: new Map(), nextVersion: 1 };
      account.layers.set(name, layer);
      const version = layer.nextVersion++;
      const layerArn = arn.layer(name, version);
      layer.versions.set(version, {
        arn: layerArn,
        version,
        description,
        createdDate: lambdaTime(clock.now()),
        bytes: zip,
        sha256: sha256(zip),
        compatibleRuntimes: [],
        compatibleArchitectures: [],
      });
      return layerArn;
    },

    httpApi(name: string, tags: Tags = {}): HttpApi {
      const id = newId(10);
      const api: HttpApi = {
        ApiId: id,
        Name: name,
        ProtocolType: 'HTTP',
        ApiEndpoint: context.endpointFor({ kind: 'http-api', id, name, tags }),
        createdAt: clock.now(),
        Tags: { ...tags },
        integrations: new Map(),
        routes: new Map(),
        stages: new Map(),
      };
      account.httpApis.set(id, api);
      return api;
    },

    /** A REST API; with `stage`, a deployed stage of that name (tagged like the API). */
    restApi(name: string, tags: Tags = {}, options: { stage?: string } = {}): RestApi {
      const rootId = newId(10);
      const api: RestApi = {
        id: newId(10),
        name,
        createdAt: clock.now(),
        tags: { ...tags },
        binaryMediaTypes: [],
        apiKeySource: 'HEADER',
        endpointConfiguration: { types: ['REGIONAL'] },
        rootResourceId: rootId,
        resources: new Map([[rootId, { id: rootId, path: '/', methods: new Map() }]]),
        deployments: new Map(),
        stages: new Map(),
      };
      if (options.stage) {
        const deployment = { id: newId(6), createdAt: clock.now(), apiSummary: {} };
        api.deployments.set(deployment.id, deployment);
        api.stages.set(options.stage, {
          stageName: options.stage,
          deploymentId: deployment.id,
          methodSettings: {},
          tags: { ...tags },
        });
      }
      account.restApis.set(api.id, api);
      return api;
    },

    apiKey(name: string, tags: Tags = {}): ApiKey {
      const key: ApiKey = {
        id: newId(10),
        value: `fakeApiKeyValue${newId(24)}`,
        name,
        enabled: true,
        createdAt: clock.now(),
        tags: { ...tags },
      };
      account.apiKeys.set(key.id, key);
      return key;
    },

    usagePlan(
      name: string,
      tags: Tags = {},
      apiStages: { apiId: string; stage: string }[] = [],
      keyIds: string[] = [],
    ): UsagePlan {
      const plan: UsagePlan = {
        id: newId(6),
        name,
        apiStages: [...apiStages],
        tags: { ...tags },
        keyIds: [...keyIds],
      };
      account.usagePlans.set(plan.id, plan);
      return plan;
    },

    logGroup(name: string, options: { tags?: Tags; events?: (string | LogEvent)[] } = {}): LogGroup {
      const group: LogGroup = {
        name,
        createdAt: clock.now(),
        tags: { ...(options.tags ?? {}) },
        events: (options.events ?? []).map((e) => (typeof e === 'string' ? { message: e } : e)),
      };
      account.logGroups.set(name, group);
      return group;
    },

    rule(
      name: string,
      options: {
        tags?: Tags;
        schedule?: string;
        targets?: { Id: string; Arn: string; Input?: string }[];
      } = {},
    ): EventRule {
      const rule: EventRule = {
        Name: name,
        Arn: arn.rule(name),
        ScheduleExpression: options.schedule ?? 'rate(5 minutes)',
        State: 'ENABLED',
        EventBusName: 'default',
        tags: { ...(options.tags ?? {}) },
        targets: new Map((options.targets ?? []).map((t) => [t.Id, t])),
      };
      account.rules.set(name, rule);
      return rule;
    },

    /** An entry the tagging index still lists for a resource that is already gone. */
    staleTagIndex(resourceArn: string, tags: Tags): void {
      staleIndex.push({ arn: resourceArn, tags: { ...tags } });
    },
  };
  return seed;
}

export type Seeds = ReturnType<typeof seeds>;
