import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { guardCreates } from './create-once.js';

/** Every AWS client the action uses, built once per run and passed down. */
export interface AwsClients {
  region: string;
  lambda: LambdaClient;
  s3: S3Client;
  iam: IAMClient;
  sts: STSClient;
  apiGatewayV2: ApiGatewayV2Client;
  apiGateway: APIGatewayClient;
  logs: CloudWatchLogsClient;
  tagging: ResourceGroupsTaggingAPIClient;
  events: EventBridgeClient;
}

export interface ClientOptions {
  region: string;
  /** Absent: the SDK's default chain (env, profile, web identity, instance role). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/**
 * Builds the clients. Endpoints are never hard-wired, so the SDK's own
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> settings keep working
 * (that is how the action runs against local emulators).
 */
export function createAwsClients(options: ClientOptions): AwsClients {
  const common = { region: options.region, credentials: options.credentials, maxAttempts: 5 };
  return {
    region: options.region,
    lambda: new LambdaClient(common),
    // Checksums only when required: identical bytes on the wire whatever the SDK version.
    s3: new S3Client({
      ...common,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      forcePathStyle: process.env.AWS_S3_FORCE_PATH_STYLE === 'true',
    }),
    iam: new IAMClient(common),
    sts: new STSClient(common),
    // Their non-unique creates are not retried by the SDK (create-once.ts).
    apiGatewayV2: guardCreates(new ApiGatewayV2Client(common)),
    apiGateway: guardCreates(new APIGatewayClient(common)),
    logs: new CloudWatchLogsClient(common),
    tagging: new ResourceGroupsTaggingAPIClient(common),
    events: new EventBridgeClient(common),
  };
}

/**
 * The region the AWS SDK finds by itself (a client built without one):
 * AWS_REGION, then the `region` of the profile (AWS_PROFILE, else default)
 * in the shared config files, then the EC2 instance's. Undefined when none
 * gives one; throws when the SDK rejects the one it found.
 */
export async function sdkRegion(): Promise<string | undefined> {
  const client = new STSClient({});
  try {
    return await client.config.region();
  } catch (error) {
    if (error instanceof Error && error.message === 'Region is missing') return undefined;
    throw error;
  } finally {
    client.destroy();
  }
}
