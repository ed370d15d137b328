/**
 * The shape of the action's settings: what every layer takes (a part of).
 * Reading and validating them is src/settings/'s job; this file only says
 * what a valid Settings is, so that lower layers need not import the readers.
 */
export type Command = 'auto' | 'deploy' | 'undeploy' | 'package' | 'prune' | 'report';
export type Architecture = 'x86_64' | 'arm64';
export type GatewayKind = 'http-api' | 'rest-api' | 'function-url' | 'none';
export type Target = 'aws' | 'local';
/** How the front door invokes the function: whole answers, or streamed as written (Node.js only). */
export type InvokeMode = 'buffered' | 'response-stream';
/** The `slim` input: split the package when needed (auto), always, or never. */
export type SlimSetting = 'auto' | 'true' | 'false';

/** A usage plan quota for REST API keys. */
export interface Quota {
  limit: number;
  period: 'DAY' | 'WEEK' | 'MONTH';
}

/** Inclusive status ranges the smoke test accepts, e.g. 200-399 or 200,204. */
export type StatusRanges = readonly (readonly [number, number])[];

/**
 * Every input of the action, parsed and validated once. This is the only
 * place that reads inputs; everything else takes (a part of) this object.
 */
export interface Settings {
  /** What to run; `auto` is resolved from the event by the plan. */
  command: Command;
  /** Project name: every resource name starts with it. */
  name: string;
  /** Stage override; empty means derived from the event. */
  stage?: string;
  /** Absolute folder with the function's code, inside the workspace. */
  path: string;
  /**
   * The workspace (GITHUB_WORKSPACE; for the CLI, the git repository around
   * the current directory, else that directory): `path`,
   * `requirements` and the targets of symbolic links stay inside it. A real path.
   */
  workspace: string;
  /** Lambda runtime identifier, e.g. python3.12 or nodejs22.x. */
  runtime: string;
  /** One line to warn with: the runtime is deprecated by AWS (or, on --target local, no longer accepted by AWS). */
  runtimeWarning?: string;
  /** Why a first deploy (no function yet) is refused: AWS no longer creates functions with the runtime. */
  runtimeCreateRefusal?: string;
  /** `module.function`: the input, else `app.handler` (Node.js: `index.handler` unless an app.js is there, or the handler package.json's "main" (or "exports") names when neither is: defaultHandler()); empty when `app` is set. */
  handler: string;
  /** One line to say: the handler is the one package.json's "main" names (no handler given, no index.js). */
  handlerNote?: string;
  /** WSGI/ASGI app as `module:attribute`; the package then carries our adapter. */
  app?: string;
  architecture: Architecture;
  /** MB */
  memory: number;
  /** seconds */
  timeout: number;
  /** Variables the workflow sets on the function, in input order. */
  environment: Record<string, string>;
  /** Layer version ARNs. */
  layers: string[];
  /** Absolute path of the requirements file, when there is one (Python only). */
  requirements?: string;
  /** Extra pip arguments, already split like a shell would. */
  pipArgs: string[];
  include: string[];
  exclude: string[];
  /**
   * Absolute folder of the compressed-entry cache (packaging/entry-cache.ts),
   * relative paths taken from the workspace; undefined: no cache.
   */
  packageCache?: string;
  /** Empty: AWS_REGION / AWS_DEFAULT_REGION, checked when AWS is first needed. */
  awsRegion?: string;
  roleToAssume?: string;
  /** OIDC audience for role-to-assume. */
  audience: string;
  executionRoleArn?: string;
  /** Extra IAM statements for the managed execution role. */
  policyStatements?: object[];
  s3Bucket?: string;
  gateway: GatewayKind;
  /** `response-stream`: a function URL or REST API that streams (RESPONSE_STREAM / STREAM). */
  invokeMode: InvokeMode;
  throttleRate?: number;
  throttleBurst?: number;
  apiKey: boolean;
  quota?: Quota;
  smokeTest: boolean;
  smokePath: string;
  smokeStatus: StatusRanges;
  smokeContains?: string;
  /** seconds */
  smokeTimeout: number;
  rollback: boolean;
  /** Published versions kept per stage (older ones are deleted). */
  keepVersions: number;
  githubToken: string;
  comment: boolean;
  /** Function logs in the PR comment of a public repository too (always in a private one). */
  publicCommentLogs: boolean;
  deployment: boolean;
  protectedStages: string[];
  /**
   * protected-stages as written (trimmed, case kept): the entries the reusable
   * workflow's route job compares a branch with (lower-cased there), without
   * the branches' stages added to protectedStages (see productionBranches).
   * Absent: protectedStages.
   */
  protectedStageEntries?: string[];
  /** days; pull-request stages older than this are pruned. */
  previewTtl?: number;
  removeLogs: boolean;
  target: Target;
  dryRun: boolean;
  /** EventBridge schedule expression pinging `live`. */
  keepWarm?: string;
  provisionedConcurrency?: number;
  dependenciesLayer: boolean;
  /**
   * `auto` (the default): a slim package only past Lambda's 250 MB unzipped
   * limit; `true`: always (Python with requirements); `false`: never.
   */
  slim: SlimSetting;
  /** Take over an existing `{name}-{stage}` function without our tags. */
  adopt: boolean;
  /** command: report: the report output of a deploy that ran without a token (checked by parseReport). */
  report: string;
  /** command: report, when GitHub dropped report: the deploy's url output (checked like the report's URL). */
  reportUrl: string;
  /** command: report, when GitHub dropped report: the deploy job's result, success or failure (checked). */
  reportResult: string;
}
