import type { IAMClient } from '@aws-sdk/client-iam';
import { terminalCredentialsHint, yourCredentialsNeed, type AwsDeps } from '../../../aws/aws-call.js';
import { createAwsClients } from '../../../aws/clients.js';
import { partitionOf } from '../../../resources/execution-role/execution-role.js';
import { getAccountId } from '../../../aws/oidc-credentials.js';
import { credentialRefusalExplainer } from '../../../failure-hints/credential-hints.js';
import { cloudFormationTemplate } from '../../../setup/cloudformation.js';
import {
  formatSetupReport,
  runSetup,
  setupDocumentsSummary,
  setupDocumentsText,
  trustPolicyQuota,
} from '../../../setup/setup-aws.js';
import {
  documentSizeProblems,
  setupDocuments,
  type SetupConfig,
  type SetupDocuments,
} from '../../../setup/setup-documents.js';
import { IAM_SIZE_LIMITS } from '../../../model/policy-document.js';
import { branchStage } from '../../../model/stage-name.js';
import { SettingsError } from '../../../settings/settings.js';
import { parsePolicyStatements, POLICY_STATEMENTS_EXPECTED } from '../../../settings/policy-statements.js';
import type { PolicyStatement } from '../../../model/policy-document.js';
import { DEFAULT_PROTECTED_BRANCHES } from '../../../iam/trust-policy.js';
import { checkEnvironments } from './environment-check.js';
import type { GatewayKind } from '../../../model/settings.js';
import type { CliCommand, CommandContext, CommandOutcome } from '../command.js';
import { INPUT_FLAGS as F, UsageError } from '../flags.js';
import { GATEWAY_CHOICES, jsonOrFile, oneOf, policyStatementsInput, TRUST_FLAGS } from './shared-flags.js';
import { trustRepositoryIds } from './repository-trust.js';
import { ADMIN_BYPASS_FLAG, CONFIGURE_GITHUB_FLAG, gitHubTrust } from './configure-github.js';
import { checkProjectOverlap, overlapUncheckedNote } from '../../../setup/project-overlap.js';
import { workflowProtectedStages } from '../../../setup/workflow-protected-stages.js';
import { productionBranches, routeStages } from '../../../model/production-branches.js';
import { DEFAULT_PROTECTED_STAGES } from '../../../model/protected-stages.js';
import { checkedOutBranch, enclosingRepository } from '../../../util/repository-root.js';
import { Inputs, type InputName } from '../../../settings/names.js';
import { splitList } from '../../../settings/input-lists.js';
import { homedir } from 'node:os';

/** `--preview-policy-statements JSON|FILE`: checked as the input is, named by its own flag. */
function previewPolicyStatements(value: string | undefined): PolicyStatement[] | undefined {
  const text = jsonOrFile('setup', PREVIEW_STATEMENTS_FLAG, value);
  if (text === undefined) return undefined;
  const result = parsePolicyStatements(text);
  if ('problems' in result)
    throw new SettingsError([
      `--${PREVIEW_STATEMENTS_FLAG}: ${result.problems.join('; ')}; expected ${POLICY_STATEMENTS_EXPECTED}.`,
    ]);
  return result.statements;
}

const PREVIEW_STATEMENTS_FLAG = 'preview-policy-statements';
const PREVIOUS_REPOSITORY_FLAG = 'previous-repository';
const DOCUMENTS_FLAG = 'documents';
const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

/**
 * Protected branches that are not protected stages: the reusable workflow
 * sends a push there to the preview job, whose role does not trust it.
 */
export function branchesNotStages(
  branches: readonly string[] | undefined,
  stages: readonly string[],
): string | undefined {
  // The settings read a branch name in protected-stages (release/1.x) as its branch's stage.
  const missing = (branches ?? DEFAULT_PROTECTED_BRANCHES).filter(
    (b) => !stages.includes(b) && !stages.includes(branchStage(b)),
  );
  if (!missing.length) return undefined;
  return (
    `--protected-branches: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not among the protected stages (${stages.join(', ') || 'none'}): ` +
    'the reusable workflow deploys a push there as a preview, and the preview role does not trust such a push. ' +
    'Add it to --protected-stages, and to the protected-stages input of your workflow.'
  );
}

/**
 * Without --protected-stages: the one the checkout's workflows give
 * lambda-deploy, so the roles trust the branches they deploy to production;
 * none (setup's default) when they give none or disagree, said so.
 */
function workflowStages(ctx: CommandContext): Partial<Record<InputName, string>> {
  if (ctx.flags.inputs[Inputs.ProtectedStages] !== undefined) return {};
  const root = enclosingRepository(
    ctx.io.env.GITHUB_WORKSPACE || process.cwd(),
    ctx.io.env.HOME || homedir(),
  );
  const found = root ? workflowProtectedStages(root) : [];
  const values = [
    ...new Set(found.flatMap((w) => w.stages.map((s) => routeStages(splitList(s, /[,\n]/)).join(',')))),
  ];
  const files = found.map((w) => w.file).join(', ');
  if (values.length > 1)
    ctx.logger.warning(
      `--protected-stages: not given, and the workflows give lambda-deploy different ones (${values.join('; ')} in ${files}): setup takes its default, ` +
        `${DEFAULT_PROTECTED_STAGES.join(',')}; expected --protected-stages naming the one production deploys with.`,
    );
  if (values.length !== 1) return {};
  const value = values[0] as string;
  const gives = `${files} ${found.length === 1 ? 'gives' : 'give'} lambda-deploy`;
  // A checkout's workflows may be a pull request's, unreviewed: a branch they add to production's is said loudly.
  const added = productionBranches(splitList(value, /,/)).filter(
    (b) => !DEFAULT_PROTECTED_BRANCHES.includes(b),
  );
  if (!added.length) {
    ctx.logger.info(
      `--protected-stages: not given, so ${value}, as ${gives}: the roles follow its production branches.`,
    );
    return { [Inputs.ProtectedStages]: value };
  }
  const branch = checkedOutBranch(root!);
  ctx.logger.warning(
    `--protected-stages: not given, so ${value}, as ${gives}${branch ? ` (this checkout is on branch ${branch})` : ''}: ` +
      `the production role trusts pushes to ${added.join(', ')} too, beyond setup's default ${DEFAULT_PROTECTED_BRANCHES.join(', ')}. ` +
      "Run setup in a checkout of the default branch, whose workflows were reviewed (a pull request's branch can name itself there), " +
      `or give --protected-stages yourself, like --protected-stages ${value}.`,
  );
  return { [Inputs.ProtectedStages]: value };
}

/** The inputs setup reads beside its flags: --policy-statements' JSON, the workflows' protected-stages. */
function setupInputs(ctx: CommandContext): Partial<Record<InputName, string>> {
  return { ...policyStatementsInput(ctx, 'setup'), ...workflowStages(ctx) };
}

/** What previews run with, said when statements are given: production's never reach them. */
export function previewStatementsNote(
  production: readonly object[] | undefined,
  preview: readonly object[] | undefined,
): string | undefined {
  if (preview?.length)
    return `Previews (any pull request's code) run with the ${preview.length} ${preview.length === 1 ? 'statement' : 'statements'} of --${PREVIEW_STATEMENTS_FLAG}: grant them only what a pull request may do, never production's data.`;
  if (production?.length)
    return `The preview execution role gets none of --policy-statements: pull requests' code cannot use production's grants. Give previews their own (a staging table, say) with --${PREVIEW_STATEMENTS_FLAG}.`;
  return undefined;
}

/**
 * `--cloudformation`: the template. runSetup checks project overlap on the
 * other paths; a template applied later collides just the same, so it is
 * checked here too, or (offline, no `iam`) left to the reader with a warning.
 */
async function templateResult(
  docs: SetupDocuments,
  project: string,
  iam: IAMClient | undefined,
  deps: AwsDeps,
): Promise<CommandOutcome> {
  if (iam) await checkProjectOverlap(iam, project, deps);
  else deps.logger.warning(overlapUncheckedNote(project));
  const template = cloudFormationTemplate(docs);
  return { exitCode: 0, result: { template }, text: JSON.stringify(template, null, 2) };
}

/** `--documents`: a dry run's documents in full; a real run prints none. */
function documentsWanted(flag: string | undefined, dryRun: boolean): boolean {
  const wanted = flag === 'true';
  if (wanted && !dryRun)
    throw new UsageError(
      `--${DOCUMENTS_FLAG}: only with --dry-run (setup --dry-run --${DOCUMENTS_FLAG} prints what setup would write; --cloudformation prints a template)`,
      'setup',
    );
  return wanted;
}

/** After the plan and the ARNs: a line per document, or (`--documents`) every one in full, ~940 lines. */
function dryRunDocuments(docs: SetupDocuments, trustQuota: number, full: boolean): string {
  if (full) return `\n# The documents setup would write:\n${setupDocumentsText(docs)}`;
  return (
    `\n# The documents setup would write (add --${DOCUMENTS_FLAG} to print them in full); sizes as IAM counts them, without white space:\n` +
    setupDocumentsSummary(docs, trustQuota)
  );
}

/** Setup alone has a way that needs no credentials: a template an administrator deploys. */
const NO_CREDENTIALS_WAY =
  '; or, with no credentials at all, setup --cloudformation --account ID prints the same resources as a CloudFormation template to hand to an administrator';

/** Setup runs with an administrator's own credentials: a denial names what they lack, a refusal what is wrong. */
function administratorDeps(ctx: CommandContext) {
  return {
    logger: ctx.logger,
    sleep: ctx.io.sleep,
    needs: yourCredentialsNeed,
    credentialsHint: terminalCredentialsHint(ctx.io.env) + NO_CREDENTIALS_WAY,
    credentialRefusal: credentialRefusalExplainer(
      '--aws-region or AWS_REGION',
      terminalCredentialsHint(ctx.io.env) + NO_CREDENTIALS_WAY,
    ),
  };
}

export const setupCommand: CliCommand = {
  name: 'setup',
  summary: 'create the deploy roles, execution roles and artifact bucket, once (administrator credentials)',
  usage:
    '--name NAME --repository OWNER/REPO [--aws-region REGION] [--configure-github [--admin-bypass]] [--dry-run | --dry-run --documents | --cloudformation]',
  description: [
    "Run once, from an administrator's machine, with ordinary AWS credentials (profile or",
    'environment). Creates or updates, and changes nothing that is already right (a second',
    "run says so): GitHub's OIDC provider if the account has none; the production deploy",
    'role (pushes to the protected branches, the GitHub environments) and the preview deploy',
    'role (pull requests and other branches; denied every write to a protected stage and',
    "every IAM write); the production and preview execution roles, production's under a",
    'permissions boundary no deploy can change; the artifact bucket (public access blocked,',
    'encrypted, TLS only, old artifacts expiring). Ends with the two role ARNs for the workflow.',
    'Refuses to trust a GitHub environment that lets more than the protected branches deploy,',
    'or a protected branch anyone with write access may push to unreviewed (read from GitHub;',
    'GH_TOKEN for a private repository). --configure-github makes both first when missing: the',
    'environment, limited to the protected branches, and a ruleset on those branches (a pull',
    'request with an approving review, no force push, no deletion); it changes nothing that is',
    'there already. It needs GH_TOKEN (or GITHUB_TOKEN) with Administration: write on the',
    'repository, e.g. GH_TOKEN=$(gh auth token). A maintainer working alone adds --admin-bypass:',
    'repository admins may then merge a pull request without the review (never push directly).',
    'Not with --cloudformation, which changes nothing (with --dry-run it says what it would make).',
  ].join('\n'),
  flags: [
    F.name,
    F.awsRegion,
    { name: 'repository', kind: 'value', arg: 'OWNER/REPO', help: 'the GitHub repository (required)' },
    {
      name: PREVIOUS_REPOSITORY_FLAG,
      kind: 'value',
      arg: 'OWNER/REPO',
      help: "after a rename: the repository's old name, which its deploy roles still carry; they move to --repository",
    },
    TRUST_FLAGS.ownerId,
    TRUST_FLAGS.repoId,
    F.protectedStages,
    TRUST_FLAGS.protectedBranches,
    TRUST_FLAGS.githubEnvironment,
    {
      name: CONFIGURE_GITHUB_FLAG,
      kind: 'switch',
      help: 'create the GitHub environment (only the protected branches may deploy) and a ruleset protecting those branches, when missing, before any AWS change (GH_TOKEN with Administration: write)',
    },
    {
      name: ADMIN_BYPASS_FLAG,
      kind: 'switch',
      help: "with --configure-github: repository admins may merge a pull request into a protected branch without the approving review (the ruleset's bypass list, pull requests only; what is there is kept)",
    },
    {
      ...F.policyStatements,
      help: 'extra statements for the production execution role (and its boundary): JSON, or a file of it',
    },
    {
      name: PREVIEW_STATEMENTS_FLAG,
      kind: 'value',
      arg: 'JSON|FILE',
      help: "statements for the preview execution role: what pull requests' code may do (default none)",
    },
    {
      name: 'gateway',
      kind: 'value',
      arg: 'KIND',
      help: 'front doors the roles may manage: http-api, rest-api, function-url, none or all (default all)',
    },
    F.s3Bucket,
    F.audience,
    {
      ...F.dryRun,
      help: 'print every change and the role ARNs, then a line per document (statements, size); change nothing',
    },
    {
      name: DOCUMENTS_FLAG,
      kind: 'switch',
      help: 'with --dry-run: print every document in full (trust and inline policies, boundary, bucket policy)',
    },
    {
      name: 'cloudformation',
      kind: 'switch',
      help: 'print the same resources as a CloudFormation template (JSON)',
    },
    {
      name: 'account',
      kind: 'value',
      arg: 'ID',
      help: 'with --cloudformation: the account id, so no AWS call is made',
    },
  ],
  usesAws: true,
  async run(ctx) {
    const { own } = ctx.flags;
    const settings = ctx.settings({ command: 'deploy', ...setupInputs(ctx) });
    const previewStatements = previewPolicyStatements(own[PREVIEW_STATEMENTS_FLAG]);
    const region = settings.awsRegion;
    if (!region)
      throw new UsageError('--aws-region: expected a region like eu-west-1 (or set AWS_REGION)', 'setup');
    if (!own.repository)
      throw new UsageError('--repository: expected the GitHub repository, like octo/shop', 'setup');
    const previous = own[PREVIOUS_REPOSITORY_FLAG];
    if (previous !== undefined && !REPOSITORY.test(previous))
      throw new UsageError(
        `--${PREVIOUS_REPOSITORY_FLAG}: ${JSON.stringify(previous)} is not valid; expected the old owner/repo, like octo/old-shop`,
        'setup',
      );
    const documents = documentsWanted(own[DOCUMENTS_FLAG], settings.dryRun);
    const gateway = oneOf('setup', 'gateway', own.gateway ?? 'all', GATEWAY_CHOICES);
    const cloudformation = own.cloudformation === 'true';
    const offline = cloudformation && own.account !== undefined;
    if (offline && !/^\d{12}$/.test(own.account as string))
      throw new UsageError('--account: expected the 12-digit AWS account id', 'setup');

    const deps = administratorDeps(ctx);
    // GitHub first: with --configure-github, a token that cannot write stops setup before any AWS change.
    const { protectedBranches, environments, made } = await gitHubTrust(own.repository, settings, ctx);
    const clients = offline ? undefined : createAwsClients({ region });
    const accountId = offline ? (own.account as string) : await getAccountId(clients!.sts, deps);
    const config: SetupConfig = {
      project: settings.name,
      region,
      accountId,
      partition: partitionOf(region) as SetupConfig['partition'],
      repository: own.repository,
      ownerId: own['owner-id'],
      repoId: own['repo-id'],
      audience: settings.audience,
      protectedStages: settings.protectedStages,
      protectedBranches,
      environments,
      gateway: gateway as GatewayKind | 'all',
      bucket: settings.s3Bucket,
      policyStatements: settings.policyStatements,
      previewPolicyStatements: previewStatements,
    };
    const unrouted = branchesNotStages(config.protectedBranches, settings.protectedStages);
    const classic = await trustRepositoryIds(config, ctx);
    for (const warning of [classic, unrouted]) if (warning) ctx.logger.warning(warning);
    const docs = setupDocuments(config);
    // Before the first write: IAM refuses an oversized document only when it is written, half-way.
    // Offline, the account's trust quota is unknown: only what IAM can never accept is refused.
    const trustQuota = offline
      ? IAM_SIZE_LIMITS.trustPolicyMax
      : await trustPolicyQuota(clients!.iam, docs, deps);
    const tooLarge = documentSizeProblems(docs, config, trustQuota);
    if (tooLarge.length) throw new SettingsError(tooLarge);
    await checkEnvironments(config, ctx, made);
    if (cloudformation) return templateResult(docs, settings.name, offline ? undefined : clients!.iam, deps);
    const report = await runSetup(
      { iam: clients!.iam, s3: clients!.s3, tagging: clients!.tagging },
      docs,
      { dryRun: settings.dryRun, previousRepository: previous },
      deps,
    );
    let text = formatSetupReport(report);
    const previewNote = previewStatementsNote(settings.policyStatements, previewStatements);
    if (previewNote) text += `\n${previewNote}\n`;
    if (settings.dryRun) text += dryRunDocuments(docs, trustQuota, documents);
    return {
      exitCode: 0,
      text,
      result: {
        'dry-run': report.dryRun,
        changes: report.changes,
        unchanged: report.unchanged,
        'production-role': report.productionRoleArn,
        'preview-role': report.previewRoleArn,
      },
    };
  },
};
