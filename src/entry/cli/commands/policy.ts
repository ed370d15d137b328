import { deployPolicyNotes } from '../../../iam/deploy-policy-notes.js';
import { deployRolePolicy } from '../../../iam/deploy-policy.js';
import { policyJson } from '../../../model/policy-document.js';
import { oidcTrustPolicy, trustPolicyNotes } from '../../../iam/trust-policy.js';
import type { GatewayKind } from '../../../model/settings.js';
import type { Partition } from '../../../model/policy-document.js';
import { partitionOf } from '../../../resources/execution-role/execution-role.js';
import type { CliCommand, CommandResult } from '../command.js';
import { INPUT_FLAGS as F, UsageError } from '../flags.js';
import { branchList, environmentList, GATEWAY_CHOICES, oneOf, TRUST_FLAGS } from './shared-flags.js';
import { trustRepositoryIds } from './repository-trust.js';
import { branchesToTrust, checkEnvironments } from './environment-check.js';
import { overlapUncheckedNote } from '../../../setup/project-overlap.js';
import { productionBranches, stageEntries } from '../../../model/production-branches.js';

const ROLES = ['production', 'preview', 'single'] as const;
type RoleKind = (typeof ROLES)[number];

export const policyCommand: CliCommand = {
  name: 'policy',
  summary: "print the deploy roles' least-privilege policies and their OIDC trust policies",
  usage: '--name NAME --account 123456789012 [--repository OWNER/REPO] [--role production|preview|single]',
  description: [
    'Prints the least-privilege IAM policies of the two deploy roles (production: the',
    'only one that may change a protected stage; preview: pull requests and other',
    'branches, denied every write to protected stages and every IAM write) and, with',
    "--repository, the OIDC trust policies that let the repository's workflows assume them.",
    "The GitHub environments production's trust policy trusts are checked as setup checks them:",
    'one that lets more than the protected branches deploy is refused (exit 2).',
  ].join('\n'),
  flags: [
    F.name,
    F.awsRegionOffline,
    { name: 'account', kind: 'value', arg: 'ID', help: 'the 12-digit AWS account id (required)' },
    {
      name: 'repository',
      kind: 'value',
      arg: 'OWNER/REPO',
      help: 'the GitHub repository, for the trust policies',
    },
    TRUST_FLAGS.ownerId,
    TRUST_FLAGS.repoId,
    {
      name: 'role',
      kind: 'value',
      arg: 'ROLE',
      help: 'production, preview, or single (one role for everything) (default: production and preview)',
    },
    TRUST_FLAGS.protectedBranches,
    TRUST_FLAGS.githubEnvironment,
    F.protectedStages,
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
    const { own } = ctx.flags;
    const accountId = own.account;
    if (!accountId || !/^\d{12}$/.test(accountId))
      throw new UsageError(
        `--account: ${accountId === undefined ? 'missing' : JSON.stringify(accountId)}; expected the 12-digit AWS account id`,
        'policy',
      );
    const gateway = oneOf('policy', 'gateway', own.gateway ?? 'http-api', GATEWAY_CHOICES);
    const kinds: RoleKind[] =
      own.role === undefined ? ['production', 'preview'] : [oneOf('policy', 'role', own.role, ROLES)];
    const settings = ctx.settings({ command: 'deploy' });
    const stages = stageEntries(settings);
    // As setup does: China's and GovCloud's regions name their own partition in every exact ARN
    // (the artifact bucket, the boundary, the OIDC provider), or IAM matches none of them there.
    const partition = partitionOf(settings.awsRegion ?? '') as Partition;
    const trust = own.repository
      ? {
          repository: own.repository,
          ownerId: own['owner-id'],
          repoId: own['repo-id'],
          accountId,
          audience: settings.audience,
          // Only the production role trusts the protected branches' pushes.
          protectedBranches: kinds.includes('production')
            ? await branchesToTrust(own.repository, own['protected-branches'], stages, ctx)
            : (branchList(own['protected-branches']) ?? productionBranches(stages)),
          environments: environmentList(own['github-environment']),
          partition,
        }
      : undefined;
    // As setup does: a trust policy with only the classic sub form locks newer repositories out.
    const classic = trust && (await trustRepositoryIds(trust, ctx));
    if (classic) ctx.logger.warning(classic);
    // As setup does: the production role trusts environments, which a pull request's workflow may name if open.
    if (trust && kinds.includes('production')) await checkEnvironments(trust, ctx);
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
      protectedStages: settings.protectedStages,
      // GitHub's spelling when read from it: the deploy policy's tag conditions compare it exactly.
      repository: trust?.repository,
      partition,
    };

    const roles: CommandResult[] = [];
    const notes: string[] = [];
    let text = '';
    for (const kind of kinds) {
      const deployRole = kind === 'single' ? undefined : kind;
      const title =
        kind === 'single'
          ? 'Deploy role (one role for everything)'
          : `${kind[0]!.toUpperCase()}${kind.slice(1)} deploy role`;
      const permissions = deployRolePolicy({ ...options, role: deployRole });
      notes.push(...deployPolicyNotes({ ...options, role: deployRole }));
      const role: CommandResult = { role: kind, 'permissions-policy': permissions };
      text += `# ${title}: permissions policy\n${policyJson(permissions)}\n`;
      if (trust) {
        const roleTrust = { ...trust, role: deployRole };
        role['trust-policy'] = oidcTrustPolicy(roleTrust);
        notes.push(...trustPolicyNotes(roleTrust));
        text += `\n# ${title}: trust policy (GitHub OIDC)\n${policyJson(oidcTrustPolicy(roleTrust))}\n\n`;
      }
      roles.push(role);
    }
    notes.push(overlapUncheckedNote(settings.name));
    for (const note of notes) ctx.logger.info(`# ${note}`);
    if (!trust) ctx.logger.info('# Add --repository owner/repo for the OIDC trust policies.');
    if (kinds.includes('single'))
      ctx.logger.warning(
        "One role for everything: pull requests and feature branches share production's power. Prefer two roles (npx github:org/lambda-deploy setup).",
      );
    return { exitCode: 0, result: { roles, notes }, text };
  },
};
