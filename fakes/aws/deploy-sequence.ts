/**
 * The AWS part of a deploy, in the order the deploy pipeline runs it, for
 * tests and the bench: identity -> artifact -> execution role -> function.
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsDeps } from '../../src/aws/aws-call.js';
import { getAccountId } from '../../src/aws/oidc-credentials.js';
import { functionName } from '../../src/model/stage-name.js';
import { stageTags } from '../../src/model/tags.js';
import { publishArtifact, type ArtifactResult } from '../../src/resources/artifacts/artifact-bucket.js';
import {
  ensureExecutionRole,
  type ExecutionRoleResult,
} from '../../src/resources/execution-role/execution-role.js';
import { deployFunction, type FunctionResult } from '../../src/resources/function/lambda-function.js';
import { indexedFunctionTags } from '../../src/resources/function/stage-function-read.js';
import { ensureFunctionLogGroup } from '../../src/resources/logs/stage-logs.js';
import type { ZipFixture } from './zip.js';

export interface AwsAccountClients {
  lambda: LambdaClient;
  s3: S3Client;
  iam: IAMClient;
  sts: STSClient;
  region: string;
  /** As the pipeline passes it: whose a function is that this role may not read. */
  tagging?: ResourceGroupsTaggingAPIClient;
  /** Given: the function's log group is made tagged once the function is ours (a new one's while it becomes Active, as a new preview stage's is). */
  logGroups?: CloudWatchLogsClient;
}

export interface StageDeploy {
  project: string;
  stage: string;
  zip: ZipFixture;
  environment?: Record<string, string>;
  memory?: number;
  executionRoleArn?: string;
  s3Bucket?: string;
  keepVersions?: number;
  /** Which execution role the stage runs under (the pipeline picks it from protected-stages). */
  executionRoleKind?: 'production' | 'preview';
  permissionsBoundary?: string;
  /** `policy-statements` of a production deploy. */
  policyStatements?: object[];
}

export interface StageDeployResult {
  accountId: string;
  artifact: ArtifactResult;
  role: ExecutionRoleResult;
  fn: FunctionResult;
}

export async function deployStageToAws(
  clients: AwsAccountClients,
  input: StageDeploy,
  deps: AwsDeps,
): Promise<StageDeployResult> {
  const accountId = await getAccountId(clients.sts, deps);
  const artifact = await publishArtifact(
    clients.s3,
    {
      bucket: input.s3Bucket,
      accountId,
      region: clients.region,
      name: input.project,
      zipPath: input.zip.path,
      sha256Hex: input.zip.sha256Hex,
      codeSha256: input.zip.codeSha256,
    },
    deps,
  );
  const tags = stageTags({
    project: input.project,
    stage: input.stage,
    repository: 'octo/app',
    ref: input.stage,
  });
  const role = await ensureExecutionRole(
    clients.iam,
    {
      project: input.project,
      executionRoleArn: input.executionRoleArn,
      accountId,
      tags,
      kind: input.executionRoleKind,
      permissionsBoundary: input.permissionsBoundary,
      policyStatements: input.policyStatements,
    },
    deps,
  );
  const name = functionName(input.project, input.stage);
  const logGroup = (functionExisted: boolean) => async () => {
    if (!clients.logGroups) return;
    const group = `/aws/lambda/${name}`;
    const arn = `arn:aws:logs:${clients.region}:${accountId}:log-group:${group}`;
    await ensureFunctionLogGroup(
      clients.logGroups,
      { name: group, arn, tags, functionIsOurs: true, functionExisted },
      deps,
    );
  };
  const fn = await deployFunction(
    clients.lambda,
    {
      functionName: name,
      runtime: 'python3.12',
      handler: 'app.handler',
      memory: input.memory ?? 256,
      timeout: 30,
      architecture: 'x86_64',
      environment: input.environment ?? {},
      layers: [],
      roleArn: role.roleArn,
      description: `${input.project} ${input.stage} (lambda-deploy)`,
      tags,
      code: { bucket: artifact.bucket, key: artifact.key, codeSha256: input.zip.codeSha256 },
      keepVersions: input.keepVersions ?? 5,
      roleJustCreated: role.created,
      // A new function's group: made while Lambda makes it Active, as the pipeline does.
      whenCreated: logGroup(false),
      ...(clients.tagging && {
        indexedTags: indexedFunctionTags(
          clients.tagging,
          `arn:aws:lambda:${clients.region}:${accountId}:function:${name}`,
          deps,
        ),
      }),
    },
    deps,
  );
  if (!fn.created) await logGroup(true)();
  return { accountId, artifact, role, fn };
}
