import { deployPolicyNotes, deployRolePolicy } from '../../iam/deploy-policy.js';
import { policyJson } from '../../iam/policy-document.js';
import { oidcTrustPolicy, trustPolicyNotes } from '../../iam/trust-policy.js';
import type { GatewayKind } from '../../settings/settings.js';
import type { CliCommand, CommandResult } from '../command.js';
import { INPUT_FLAGS as F, UsageError } from '../flags.js';

const GATEWAYS = ['http-api', 'rest-api', 'function-url', 'none', 'all'] as const;

export const policyCommand: CliCommand = {
  name: 'policy',
  summary: 'print the least-privilege deploy role policy and its OIDC trust policy',
  usage: '--name NAME --account 123456789012 [--repository OWNER/REPO] [--aws-region REGION]',
  description: [
    "Prints the deploy role's least-privilege IAM policy for this configuration and, with",
    "--repository, the OIDC trust policy that lets the repository's workflows assume it.",
  ].join('\n'),
  flags: [
    F.name,
    F.awsRegion,
    { name: 'account', kind: 'value', arg: 'ID', help: 'the 12-digit AWS account id (required)' },
    {
      name: 'repository',
      kind: 'value',
      arg: 'OWNER/REPO',
      help: 'the GitHub repository, for the trust policy',
    },
    {
      name: 'gateway',
      kind: 'value',
      arg: 'KIND',
      help: 'http-api, rest-api, function-url, none or all (default http-api)',
    },
    F.s3Bucket,
    F.executionRoleArn,
    F.keepWarm,
    F.provisionedConcurrency,
    F.dependenciesLayer,
    F.layers,
    F.audience,
  ],
  usesAws: false,
  async run(ctx) {
    const accountId = ctx.flags.own.account;
    if (!accountId || !/^\d{12}$/.test(accountId))
      throw new UsageError(
        `--account: ${accountId === undefined ? 'missing' : JSON.stringify(accountId)}; expected the 12-digit AWS account id`,
        'policy',
      );
    const gateway = ctx.flags.own.gateway ?? 'http-api';
    if (!(GATEWAYS as readonly string[]).includes(gateway))
      throw new UsageError(
        `--gateway: ${JSON.stringify(gateway)} is not valid; expected one of ${GATEWAYS.join(', ')}`,
        'policy',
      );
    const settings = ctx.settings({ command: 'deploy' });
    const options = {
      project: settings.name,
      region: settings.awsRegion ?? '*',
      accountId,
      gateway: gateway as GatewayKind | 'all',
      bucket: settings.s3Bucket,
      managesExecutionRole: !settings.executionRoleArn,
      executionRoleArn: settings.executionRoleArn,
      keepWarm: Boolean(settings.keepWarm),
      provisionedConcurrency: settings.provisionedConcurrency !== undefined,
      layers: settings.dependenciesLayer,
      attachedLayers: settings.layers,
    };
    const permissions = deployRolePolicy(options);
    const notes = deployPolicyNotes(options);
    const result: CommandResult = { 'permissions-policy': permissions };
    let text = `# Deploy role permissions policy\n${policyJson(permissions)}\n`;
    const repository = ctx.flags.own.repository;
    if (repository) {
      const trust = { repository, accountId, audience: settings.audience };
      const trustPolicy = oidcTrustPolicy(trust);
      result['trust-policy'] = trustPolicy;
      notes.push(...trustPolicyNotes(trust));
      text += `\n# Deploy role trust policy (GitHub OIDC)\n${policyJson(trustPolicy)}\n`;
    } else {
      ctx.logger.info('Add --repository owner/repo for the OIDC trust policy.');
    }
    for (const note of notes) ctx.logger.info(`# ${note}`);
    result.notes = notes;
    return { exitCode: 0, result, text };
  },
};
