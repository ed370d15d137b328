/**
 * IAM's answer to the preview deploy role on the project's functions,
 * EventBridge rules and log groups (`/aws/lambda/{project}-*`): every call but
 * CreateFunction and CreateLogGroup on one without a lambda-deploy:name tag is
 * refused (src/iam/preview-denies.ts, untaggedFunctions), and one that does not
 * exist has no tags either, so it is refused too, where the service would
 * answer ResourceNotFoundException.
 */
import { TagKeys } from '../../src/model/tags.js';
import type { FakeAws } from './index.js';
import { parseFunctionName } from './services/lambda-model.js';

export function denyUntaggedFunctions(aws: FakeAws, project: string): void {
  aws.faults.denyWhen('*', ({ service, operation, input }) => {
    if (service === 'events') {
      const named = input.Name ?? input.Rule ?? input.ResourceARN;
      if (typeof named !== 'string' || operation === 'ListRules') return false;
      const name = named.split('/').pop() ?? '';
      if (!name.startsWith(`${project}-`)) return false;
      return aws.account.rules.get(name)?.tags[TagKeys.Name] === undefined;
    }
    if (service === 'logs') {
      // DescribeLogGroups has no resource; CreateLogGroup is spared (the deploy makes it tagged).
      const named = input.logGroupName ?? input.logGroupIdentifier ?? input.resourceArn;
      if (typeof named !== 'string' || operation === 'CreateLogGroup') return false;
      const name = named.replace(/^arn:.*?:log-group:/, '').replace(/:\*$/, '');
      if (!name.startsWith(`/aws/lambda/${project}-`)) return false;
      return aws.account.logGroups.get(name)?.tags[TagKeys.Name] === undefined;
    }
    if (service !== 'lambda' || operation === 'CreateFunction') return false;
    const named = input.FunctionName ?? input.ARN ?? input.Resource;
    if (typeof named !== 'string') return false;
    const { name } = parseFunctionName(decodeURIComponent(named));
    if (!name.startsWith(`${project}-`)) return false;
    return aws.account.functions.get(name)?.tags[TagKeys.Name] === undefined;
  });
}
