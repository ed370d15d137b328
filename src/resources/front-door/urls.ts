/** ARNs, names and URLs of the front doors: pure, no I/O. */
import { dnsSuffix } from '../../model/aws-hosts.js';

export interface AliasArnParts {
  partition: string;
  region: string;
  accountId: string;
  functionName: string;
  qualifier: string;
}

const ALIAS_ARN =
  /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+):([A-Za-z0-9_$-]+)$/;

/** Splits `arn:aws:lambda:REGION:ACCOUNT:function:NAME:ALIAS`; throws on anything else. */
export function parseAliasArn(arn: string): AliasArnParts {
  const m = ALIAS_ARN.exec(arn);
  if (!m) {
    throw new Error(
      `Gateway target: expected an alias ARN like arn:aws:lambda:REGION:ACCOUNT:function:NAME:live, got ${JSON.stringify(arn)}.`,
    );
  }
  return {
    partition: m[1] as string,
    region: m[2] as string,
    accountId: m[3] as string,
    functionName: m[4] as string,
    qualifier: m[5] as string,
  };
}

/**
 * The REST API stage name for one of our stages. Our stages are already
 * `[a-z0-9-]`, which API Gateway accepts (alphanumerics, `-`, `_`, at most
 * 128), so the URL path shows the stage as is: `/pr-42`, `/main`.
 */
export function restStageName(stage: string): string {
  const name = stage.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
  if (!name)
    throw new Error(`REST API stage: expected a non-empty stage name, got ${JSON.stringify(stage)}.`);
  return name;
}

/** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`: the stage is part of a REST API's URL. */
export function restApiUrl(apiId: string, region: string, restStage: string): string {
  return `https://${apiId}.execute-api.${region}.${dnsSuffix(region)}/${restStage}`;
}

/** URLs without a trailing slash, so `url + smokePath` never has `//`. */
export function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** HTTP API source ARN: any stage, any route of that one API. */
export function httpApiSourceArn(alias: AliasArnParts, apiId: string): string {
  return `arn:${alias.partition}:execute-api:${alias.region}:${alias.accountId}:${apiId}/*/*`;
}

/**
 * REST API source ARN: `{apiId}/{stage}/{method}/{path}`. Three wildcards
 * cover `/` (an empty path after the last slash) and every `/{proxy+}` path.
 */
export function restApiSourceArn(alias: AliasArnParts, apiId: string): string {
  return `arn:${alias.partition}:execute-api:${alias.region}:${alias.accountId}:${apiId}/*/*/*`;
}

/**
 * The URI a REST API integration uses to invoke a Lambda function (here: its
 * alias); `stream`: the InvokeWithResponseStream path a STREAM integration needs.
 */
export function lambdaInvocationUri(alias: AliasArnParts, aliasArn: string, stream = false): string {
  const path = stream
    ? `2021-11-15/functions/${aliasArn}/response-streaming-invocations`
    : `2015-03-31/functions/${aliasArn}/invocations`;
  return `arn:${alias.partition}:apigateway:${alias.region}:lambda:path/${path}`;
}
