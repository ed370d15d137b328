/**
 * IAM's answer to the preview deploy role on the project's functions: every
 * Lambda call but CreateFunction on a function named `{project}-*` without a
 * lambda-deploy:name tag is refused (src/iam/deploy-policy.ts,
 * untaggedFunctions), and a function that does not exist has no tags either,
 * so it is refused too, where Lambda would answer ResourceNotFoundException.
 */
import { TagKeys } from '../../src/model/tags.js';
import type { FakeAws } from './index.js';
import { parseFunctionName } from './services/lambda-model.js';

export function denyUntaggedFunctions(aws: FakeAws, project: string): void {
  aws.faults.denyWhen('*', ({ service, operation, input }) => {
    if (service !== 'lambda' || operation === 'CreateFunction') return false;
    const named = input.FunctionName ?? input.ARN ?? input.Resource;
    if (typeof named !== 'string') return false;
    const { name } = parseFunctionName(decodeURIComponent(named));
    if (!name.startsWith(`${project}-`)) return false;
    return aws.account.functions.get(name)?.tags[TagKeys.Name] === undefined;
  });
}
