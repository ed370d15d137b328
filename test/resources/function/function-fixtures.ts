/** The fake account, the packages and the function input the function's tests share. */
import { createHash } from 'node:crypto';
import type { FunctionInput } from '../../../src/resources/function/lambda-function.js';
import { stageTags } from '../../../src/model/tags.js';
import {
  ACCOUNT_ID,
  REGION,
  startFakeAws,
  type FakeAwsOptions,
  type FakeAws,
} from '../../../fakes/aws/index.js';
import { storedZip } from '../../fake-aws/helpers.js';

export const ARN = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:shop-main`;
export const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/shop-lambda-deploy`;
export const tags = stageTags({ project: 'shop', stage: 'main', repository: 'octo/app', ref: 'main' });

/** A package in the artifact bucket: its key and Lambda's CodeSha256 of it. */
export interface Package {
  bytes: Buffer;
  key: string;
  codeSha256: string;
}
function zipPackage(body: string): Package {
  const bytes = storedZip({ 'app.py': body });
  const codeSha256 = createHash('sha256').update(bytes).digest('base64');
  return {
    bytes,
    key: `lambda-deploy/shop/${createHash('sha256').update(bytes).digest('hex')}.zip`,
    codeSha256,
  };
}
export const zipA = zipPackage('def handler(event, context):\n    return "a"\n');
export const zipB = zipPackage('def handler(event, context):\n    return "b"\n');
export const zipC = zipPackage('def handler(event, context):\n    return "planted"\n');
export const codeOf = (zip: Package) => ({ bucket: 'b', key: zip.key, codeSha256: zip.codeSha256 });

export function input(zip: Package, over: Partial<FunctionInput> & { adopt?: boolean } = {}) {
  return {
    functionName: 'shop-main',
    runtime: 'python3.12',
    handler: 'app.handler',
    memory: 256,
    timeout: 30,
    architecture: 'x86_64',
    environment: {},
    layers: [],
    roleArn: ROLE,
    description: 'shop main',
    tags,
    code: codeOf(zip),
    keepVersions: 5,
    ...over,
  } satisfies FunctionInput & { adopt?: boolean };
}

export let aws: FakeAws | undefined;

/** The one fake AWS with the project's (settled) execution role and both packages uploaded to bucket `b`. */
export async function account(options: FakeAwsOptions = {}) {
  aws = await startFakeAws(options);
  const fake = aws;
  fake.seed.role('shop-lambda-deploy');
  for (const zip of [zipA, zipB]) fake.seed.object('b', zip.key, zip.bytes);
  const lambda = fake.clients().lambda;
  const fn = () => fake.account.functions.get('shop-main')!;
  const count = (operation: string) => fake.calls.of({ service: 'lambda', operation }).length;
  const inputsOf = (operation: string) => fake.calls.of({ service: 'lambda', operation }).map((c) => c.input);
  return { fake, lambda, fn, count, inputsOf };
}
