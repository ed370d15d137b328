/** What `lambda-deploy policy` prints next to a deploy role's policy. */
import { IAM_SIZE_LIMITS, INLINE_QUOTA, oversizeProblem, policySize } from '../model/policy-document.js';
import { TagKeys } from '../model/tags.js';
import { deployRolePolicy } from './deploy-policy.js';
import { protectedStagesOf, type DeployPolicyOptions } from './deploy-policy-options.js';

/** What a user should know about a generated policy: printed by `lambda-deploy policy` next to it. */
export function deployPolicyNotes(options: DeployPolicyOptions): string[] {
  const notes: string[] = [];
  if (options.gateway !== 'all')
    notes.push(
      `Only the ${options.gateway} front door is covered: a stage deployed earlier with another gateway can only be undeployed with gateway "all".`,
    );
  if (options.gateway === 'all' || options.gateway === 'http-api' || options.gateway === 'rest-api')
    notes.push(
      'API Gateway collections (GET /apis, /restapis, /usageplans, /apikeys) cannot be scoped: listing shows every item of the region. Everything below them is limited to resources tagged for this project.',
    );
  if (!options.managesExecutionRole && !options.executionRoleArn)
    notes.push(
      'No execution-role-arn given: iam:PassRole is granted on every role of the account (only to Lambda); name the role to narrow it.',
    );
  if (options.region === '*') notes.push('Region "*": the role may deploy to any region.');
  if (options.keepWarm === undefined && options.provisionedConcurrency === undefined)
    notes.push(
      'keep-warm and provisioned-concurrency are not covered; regenerate the policy when you turn them on.',
    );
  if (options.role === 'preview')
    notes.push(
      `Preview role: denied every write to the stages ${protectedStagesOf(options).join(', ')} and every IAM write, ` +
        `and every read or write of a function or EventBridge rule named ${options.project}-*, or log group /aws/lambda/${options.project}-*, without the ${TagKeys.Name} tag (one made by hand or by another tool, or a log group Lambda made for a stage deployed before lambda-deploy tagged them).`,
    );
  if (options.role === 'preview')
    notes.push(
      "Preview role: lambda:AddPermission only for API Gateway and the function URL's public statements (what the deploy grants): a pull request cannot let another account, another AWS service or everyone invoke or read a function. Triggers you add yourself (S3, SNS, EventBridge) are for the production role.",
    );
  if (options.role === 'preview' && options.provisionedConcurrency)
    notes.push(
      "Preview role: no lambda:PutProvisionedConcurrencyConfig: it takes from the account's unreserved concurrency, which production's functions share. It may read and remove it; provisioned-concurrency is for stages deployed with the production role.",
    );
  if (options.role === 'preview' && options.keepWarm)
    notes.push(
      "Preview role: no events:PutRule, PutTargets or TagResource: IAM cannot limit a rule's targets, so a pull request could send chosen events to production's queues. It may find and remove its own rules; keep-warm is for stages deployed with the production role.",
    );
  if (options.role === 'preview' && (options.gateway === 'all' || options.gateway === 'rest-api'))
    notes.push(
      "Preview role: no usage plan or API key writes (create, change, link): IAM cannot check which key or API stage a link names, so a pull request could link production's key to its own plan and read it. It may read and delete its own; api-key: true is for stages deployed with the production role.",
    );
  if (
    options.role === 'preview' &&
    (options.gateway === 'all' || options.gateway === 'http-api' || options.gateway === 'rest-api')
  )
    notes.push(
      "Preview role: no stage access log destination (apigateway:Request/AccessLoggingDestination): API Gateway writes a stage's access log into any log group, production's too. lambda-deploy sets none; access logs you add yourself are for stages deployed with the production role.",
    );
  if (options.role === 'preview' && options.layers)
    notes.push(
      "Preview role: no lambda:DeleteLayerVersion: production's functions attach the dependencies layer's versions too. Its prune keeps them; prune with the production role removes those no function uses.",
    );
  // One execution-role-arn for both roles would run pull-request code with production's runtime permissions.
  if (options.role === 'preview' && !options.managesExecutionRole && options.executionRoleArn)
    notes.push(
      `Preview role: may pass the execution role ${options.executionRoleArn}, so code from a pull request runs with its permissions: make it a role for previews only, never the one production's functions use (policy --role preview --execution-role-arn PREVIEW_ROLE; setup makes a separate preview execution role).`,
    );
  const tooLarge = oversizeProblem({
    input: 'protected-stages',
    what: 'this permissions policy',
    size: policySize(deployRolePolicy(options)),
    limit: IAM_SIZE_LIMITS.roleInlinePolicies,
    quota: INLINE_QUOTA,
    advice: 'IAM refuses it; each protected stage makes it longer, name fewer',
  });
  if (tooLarge) notes.push(tooLarge);
  return notes;
}
