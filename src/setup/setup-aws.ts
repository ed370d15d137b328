/**
 * `lambda-deploy setup`: puts what setupDocuments describes into the account,
 * once, from an administrator's machine. Every resource is read first and
 * written only where it differs, so a second run writes nothing; with
 * dryRun nothing is written at all and the report lists what would be.
 *
 * Order matters: the OIDC provider before the deploy roles that trust it
 * (IAM refuses a trust policy naming a provider that does not exist), the
 * boundary policy before the execution role it bounds.
 */
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetAccountSummaryCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListOpenIDConnectProvidersCommand,
  ListPolicyVersionsCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { errorMessage } from '../util/retry.js';
import { checkProjectOverlap } from './project-overlap.js';
import { allPages } from '../aws/all-pages.js';
import { TagKeys } from '../model/tags.js';
import { callAws, isAccessDenied, type AwsDeps } from '../aws/aws-call.js';
import { IAM_SIZE_LIMITS, policyJson, policySize, type PolicyDocument } from '../model/policy-document.js';
import { INLINE_POLICY_NAME, type RoleDocuments, type SetupDocuments } from './setup-documents.js';
import {
  create,
  read,
  sameDocument,
  write,
  type Run,
  type SetupClients,
  type SetupReport,
} from './setup-run.js';
import { checkRoleOwner, ensureRole, inlineRoomProblem } from './setup-roles.js';
import { ensureBucket } from './setup-bucket.js';

/**
 * The account's "Role trust policy length" quota, read only when a deploy
 * role's trust policy is over IAM's default (the quota may have been raised).
 */
export async function trustPolicyQuota(iam: IAMClient, docs: SetupDocuments, deps: AwsDeps): Promise<number> {
  const longest = Math.max(...Object.values(docs.deployRoles).map((role) => policySize(role.trust)));
  if (longest <= IAM_SIZE_LIMITS.trustPolicy) return IAM_SIZE_LIMITS.trustPolicy;
  const summary = await callAws(
    deps,
    { what: 'read the IAM quotas of the account', permission: 'iam:GetAccountSummary' },
    () => iam.send(new GetAccountSummaryCommand({})),
  );
  return summary.SummaryMap?.AssumeRolePolicySizeQuota ?? IAM_SIZE_LIMITS.trustPolicy;
}

export interface SetupOptions {
  dryRun: boolean;
  /**
   * The repository's name before a rename: deploy roles tagged with it are
   * taken over (trust and tag moved to the new name). Stated, never guessed.
   */
  previousRepository?: string;
}

export async function runSetup(
  clients: SetupClients,
  docs: SetupDocuments,
  options: SetupOptions,
  deps: AwsDeps,
): Promise<SetupReport> {
  const run: Run = {
    clients,
    deps,
    dryRun: options.dryRun,
    previousRepository: options.previousRepository,
    report: {
      dryRun: options.dryRun,
      changes: [],
      unchanged: [],
      productionRoleArn: docs.deployRoles.production.arn,
      previewRoleArn: docs.deployRoles.preview.arn,
    },
  };
  // Before any write: a name that overlaps another project's would share its resource names.
  await checkProjectOverlap(clients.iam, docs.deployRoles.preview.tags[TagKeys.Name] ?? '', deps);
  // Each role with the input that makes its policy long (as documentSizeProblems names them).
  const inputs = new Map<RoleDocuments, string>([
    [docs.executionRoles.production, 'policy-statements'],
    [docs.executionRoles.preview, 'preview-policy-statements'],
    [docs.deployRoles.production, 'gateway'],
    [docs.deployRoles.preview, 'protected-stages'],
  ]);
  const roles = [...inputs.keys()];
  const tooLarge: string[] = [];
  for (const role of roles)
    if (await checkRoleOwner(run, role)) {
      const problem = await inlineRoomProblem(run, role, inputs.get(role)!);
      if (problem) tooLarge.push(problem);
    }
  if (tooLarge.length) throw new Error(tooLarge.join('\n'));
  await ensureOidcProvider(run, docs.oidcProvider);
  await ensureBoundary(run, docs.boundary);
  for (const role of roles) await ensureRole(run, role, role === docs.executionRoles.production);
  await ensureBucket(run, docs.bucket);
  if (run.movedFrom && clients.tagging)
    await warnOfOldStages(run, clients.tagging, docs.deployRoles.preview.tags);
  return run.report;
}

/**
 * After a rename, the stages deployed before it still carry the old name: the
 * deploy roles deny changes to another repository's resources and the action
 * refuses them, so the new workflows could neither update nor remove them.
 * Read only: what to run is said, nothing is retagged here.
 */
async function warnOfOldStages(
  run: Run,
  tagging: ResourceGroupsTaggingAPIClient,
  tags: Record<string, string>,
): Promise<void> {
  const [project, repository, old] = [tags[TagKeys.Name]!, tags[TagKeys.Repository]!, run.movedFrom!];
  const arns: string[] = [];
  try {
    const tagged = await allPages(
      (token) =>
        callAws(
          run.deps,
          { what: `list the resources of ${project} tagged ${old}`, permission: 'tag:GetResources' },
          () =>
            tagging.send(
              new GetResourcesCommand({
                TagFilters: [
                  { Key: TagKeys.Name, Values: [project] },
                  { Key: TagKeys.Repository, Values: [old] },
                ],
                PaginationToken: token,
              }),
            ),
        ),
      (page) => page.ResourceTagMappingList,
      (page) => page.PaginationToken,
    );
    for (const r of tagged) if (r.ResourceARN) arns.push(r.ResourceARN);
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    run.deps.logger.warning(
      `Could not look for stages of ${project} still tagged ${old}: ${errorMessage(error)}`,
    );
    return;
  }
  if (!arns.length) return;
  const shown =
    arns.length > 3 ? `${arns.slice(0, 3).join(', ')} and ${arns.length - 3} more` : arns.join(', ');
  run.deps.logger.warning(
    `${arns.length} ${arns.length === 1 ? 'resource' : 'resources'} of ${project} still ${arns.length === 1 ? 'carries' : 'carry'} ${TagKeys.Repository}=${old} (${shown}): ` +
      `the deploy roles and the action leave another repository's stages alone, so ${repository}'s workflows can neither update nor remove them. ` +
      `Move them (at most 20 ARNs a call): aws resourcegroupstaggingapi tag-resources --tags ${TagKeys.Repository}=${repository} --resource-arn-list ${arns.join(' ')}`,
  );
}

/** `again`: after a create IAM answered with EntityAlreadyExists (see create). */
async function ensureOidcProvider(
  run: Run,
  oidc: SetupDocuments['oidcProvider'],
  again = false,
): Promise<void> {
  const { iam } = run.clients;
  const resource = `OIDC provider ${oidc.url.replace('https://', '')}`;
  const listed = await callAws(
    run.deps,
    {
      what: 'list the OIDC providers',
      permission: 'iam:ListOpenIDConnectProviders',
    },
    () => iam.send(new ListOpenIDConnectProvidersCommand({})),
  );
  const found = (listed.OpenIDConnectProviderList ?? []).find((p) => p.Arn === oidc.arn);
  if (!found && !again) {
    const made = await create(
      run,
      { kind: 'create', resource, what: `audience ${oidc.audience}` },
      'iam:CreateOpenIDConnectProvider',
      () =>
        iam.send(new CreateOpenIDConnectProviderCommand({ Url: oidc.url, ClientIDList: [oidc.audience] })),
    );
    if (!made) await ensureOidcProvider(run, oidc, true);
    return;
  }
  const provider = await callAws(
    run.deps,
    { what: `read the ${resource}`, permission: 'iam:GetOpenIDConnectProvider' },
    () => iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: oidc.arn })),
  );
  if ((provider.ClientIDList ?? []).includes(oidc.audience)) {
    run.report.unchanged.push(`${resource} (audience ${oidc.audience})`);
    return;
  }
  await write(
    run,
    { kind: 'update', resource, what: `add audience ${oidc.audience}` },
    'iam:AddClientIDToOpenIDConnectProvider',
    () =>
      iam.send(
        new AddClientIDToOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn: oidc.arn,
          ClientID: oidc.audience,
        }),
      ),
  );
}

async function ensureBoundary(run: Run, boundary: SetupDocuments['boundary'], again = false): Promise<void> {
  const { iam } = run.clients;
  const resource = `policy ${boundary.name}`;
  const document = JSON.stringify(boundary.document);
  const current = await read(run, `read ${resource}`, 'iam:GetPolicy', ['NoSuchEntity'], () =>
    iam.send(new GetPolicyCommand({ PolicyArn: boundary.arn })),
  );
  if (!current?.Policy) {
    if (again) throw new Error(`IAM says ${resource} exists, but it cannot be read yet; run setup again.`);
    const made = await create(
      run,
      { kind: 'create', resource, what: 'permissions boundary of the production execution role' },
      'iam:CreatePolicy',
      () =>
        iam.send(
          new CreatePolicyCommand({
            PolicyName: boundary.name,
            PolicyDocument: document,
            Description: 'The most a lambda-deploy production function may do (permissions boundary)',
          }),
        ),
    );
    if (!made) await ensureBoundary(run, boundary, true);
    return;
  }
  const version = await callAws(
    run.deps,
    { what: `read ${resource}`, permission: 'iam:GetPolicyVersion' },
    () =>
      iam.send(
        new GetPolicyVersionCommand({ PolicyArn: boundary.arn, VersionId: current.Policy!.DefaultVersionId }),
      ),
  );
  if (sameDocument(version.PolicyVersion?.Document, boundary.document)) {
    run.report.unchanged.push(resource);
    return;
  }
  await write(
    run,
    { kind: 'update', resource, what: 'new default version' },
    'iam:CreatePolicyVersion',
    async () => {
      // IAM keeps at most five versions: the oldest non-default one makes room.
      const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: boundary.arn }));
      const old = (versions.Versions ?? []).filter((v) => !v.IsDefaultVersion);
      if ((versions.Versions ?? []).length >= 5 && old.length) {
        const oldest = old.sort(
          (a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0),
        )[0]!;
        await iam.send(
          new DeletePolicyVersionCommand({ PolicyArn: boundary.arn, VersionId: oldest.VersionId }),
        );
      }
      await iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: boundary.arn,
          PolicyDocument: document,
          SetAsDefault: true,
        }),
      );
    },
  );
}

/** An S3 bucket policy's size limit (20 KB), counted as IAM counts its own. */
export const BUCKET_POLICY_LIMIT = 20_480;

/** One document setup writes, with the size limit it must stay under. */
interface NamedDocument {
  title: string;
  document: PolicyDocument;
  limit: number;
}

/** Every policy document setup writes, titled as printed; `trustQuota` is the account's trust policy quota. */
function namedDocuments(docs: SetupDocuments, trustQuota: number): NamedDocument[] {
  const role = (label: string, r: RoleDocuments): NamedDocument[] => [
    { title: `${label} ${r.name}: trust policy`, document: r.trust, limit: trustQuota },
    {
      title: `${label} ${r.name}: inline policy ${INLINE_POLICY_NAME}`,
      document: r.policy,
      limit: IAM_SIZE_LIMITS.roleInlinePolicies,
    },
  ];
  return [
    ...role('Production deploy role', docs.deployRoles.production),
    ...role('Preview deploy role', docs.deployRoles.preview),
    {
      title: `Permissions boundary ${docs.boundary.name} (of the production execution role)`,
      document: docs.boundary.document,
      limit: IAM_SIZE_LIMITS.managedPolicy,
    },
    ...role('Production execution role', docs.executionRoles.production),
    ...role('Preview execution role', docs.executionRoles.preview),
    {
      title: `Artifact bucket ${docs.bucket.name}: bucket policy`,
      document: docs.bucket.policy,
      limit: BUCKET_POLICY_LIMIT,
    },
  ];
}

const oidcLine = (docs: SetupDocuments): string =>
  `OIDC provider ${docs.oidcProvider.url} (audience ${docs.oidcProvider.audience}), created if missing`;

/** Every document setup writes, in full: `setup --dry-run --documents`, and for review. */
export function setupDocumentsText(docs: SetupDocuments): string {
  return [
    `# ${oidcLine(docs)}\n`,
    ...namedDocuments(docs, IAM_SIZE_LIMITS.trustPolicy).map(
      ({ title, document }) => `# ${title}\n${policyJson(document)}\n`,
    ),
  ].join('\n');
}

/**
 * A line per document: its statements and its size against its limit. What a
 * dry run prints by default; the documents themselves run to ~940 lines.
 */
export function setupDocumentsSummary(docs: SetupDocuments, trustQuota: number): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const lines = namedDocuments(docs, trustQuota).map(({ title, document, limit }) => {
    const n = document.Statement.length;
    return `  ${title}: ${n} ${n === 1 ? 'statement' : 'statements'}, ${count(policySize(document))} of ${count(limit)} characters`;
  });
  return [`  ${oidcLine(docs)}`, ...lines, ''].join('\n');
}

/** The report as the CLI prints it; ends with the two role ARNs to put in the workflow. */
export function formatSetupReport(report: SetupReport): string {
  const lines: string[] = [];
  const verb = report.dryRun ? 'would ' : '';
  for (const c of report.changes)
    lines.push(`${c.kind === 'create' ? '+' : '~'} ${verb}${c.kind} ${c.resource}: ${c.what}`);
  for (const u of report.unchanged) lines.push(`= ${u}: unchanged`);
  if (!report.changes.length) lines.push('Nothing to change: everything is already set up.');
  else if (report.dryRun) lines.push(`Dry run: ${report.changes.length} changes listed, none made.`);
  else lines.push(`${report.changes.length} changes made.`);
  lines.push(
    '',
    `production-role: ${report.productionRoleArn}${notYet(report, report.productionRoleArn)}`,
    `preview-role: ${report.previewRoleArn}${notYet(report, report.previewRoleArn)}`,
  );
  return `${lines.join('\n')}\n`;
}

/** A dry run's role that does not exist yet: its ARN is what setup would create, not a role to use now. */
function notYet(report: SetupReport, arn: string): string {
  const role = `role ${arn.slice(arn.lastIndexOf('/') + 1)}`;
  return report.dryRun && report.changes.some((c) => c.kind === 'create' && c.resource === role)
    ? ' (would be created)'
    : '';
}
