/**
 * The package a function runs: Lambda must run the very zip built here, sent
 * in the request itself when the artifact bucket served other bytes.
 */
import {
  UpdateFunctionCodeCommand,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { readFile } from 'node:fs/promises';
import { type AwsDeps, AwsError } from '../../aws/aws-call.js';
import { LIVE_ALIAS } from '../../model/live-alias.js';
import { updateCall, waitForFunctionUpdated } from './function-wait.js';

/**
 * The package in the artifact bucket. `zipPath`, the same zip on this
 * machine: sent in the request when Lambda read other bytes from the bucket
 * (see codeFromRequest).
 */
export interface FunctionCode {
  bucket: string;
  key: string;
  codeSha256: string;
  zipPath?: string;
}

/** The function a package is for (a FunctionInput is one). */
export interface CodeTarget {
  functionName: string;
  architecture: 'x86_64' | 'arm64';
  code: FunctionCode;
}

/** Lambda takes a zip of up to 50 MB in the request itself (CreateFunction, UpdateFunctionCode). */
export const DIRECT_CODE_UPLOAD_LIMIT = 52_428_800;

/**
 * When Lambda read other bytes than this package from the artifact bucket,
 * sends the package in the request itself, which nobody can change on the
 * way, and answers the function's configuration after that; otherwise (the
 * code matches, or the zip is not here or too big for a request) answers
 * `config` as it was, for checkCode to judge. The artifact folder is shared
 * by every deploy of the project, pull requests' previews included, so a
 * preview job can overwrite a production package's key between the upload
 * and Lambda's read: failing there would leave that code in $LATEST of a
 * production function, with its environment and role.
 */
export async function codeFromRequest(
  lambda: LambdaClient,
  input: CodeTarget,
  config: FunctionConfiguration,
  deps: AwsDeps,
): Promise<FunctionConfiguration> {
  const { code } = input;
  if (config.CodeSha256 === code.codeSha256 || !code.zipPath) return config;
  const bytes = await readFile(code.zipPath).catch(() => undefined);
  if (!bytes || bytes.length > DIRECT_CODE_UPLOAD_LIMIT) return config;
  const name = input.functionName;
  deps.logger.warning(
    `Lambda read other code than this package from s3://${code.bucket}/${code.key} (CodeSha256 ${config.CodeSha256 ?? '(none)'}, ` +
      `this package's ${code.codeSha256}): someone wrote another object under its key between the upload and Lambda reading it ` +
      '(whoever may write the artifact folder: a pull request preview job can). Sending the package in the request instead.',
  );
  await updateCall(
    lambda,
    name,
    () =>
      lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: name,
          ZipFile: bytes,
          Architectures: [input.architecture],
          Publish: false,
        }),
      ),
    deps,
    `update function ${name} code from the package in the request`,
    'lambda:UpdateFunctionCode',
  );
  return waitForFunctionUpdated(lambda, name, deps, { delayFirst: true });
}

/** Lambda's CodeSha256 of what it runs must be the zip built here; anything else is not deployed. */
export function checkCode(
  name: string,
  what: string,
  config: FunctionConfiguration,
  input: CodeTarget,
): void {
  if (config.CodeSha256 === input.code.codeSha256) return;
  throw new AwsError(
    `Lambda reports CodeSha256 ${config.CodeSha256 ?? '(none)'} for ${what} of function ${name}, but the package built here ` +
      `has ${input.code.codeSha256}: the object at s3://${input.code.bucket}/${input.code.key} was changed between the upload ` +
      `and Lambda reading it. Not published; alias ${LIVE_ALIAS} stays where it was.`,
    'CodeSha256Mismatch',
  );
}
