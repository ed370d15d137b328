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
  CreateRoleCommand,
  DeletePolicyVersionCommand,
  GetAccountSummaryCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListOpenIDConnectProvidersCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  type GetBucketEncryptionCommandOutput,
  type GetBucketLifecycleConfigurationCommandOutput,
  type GetBucketOwnershipControlsCommandOutput,
  type GetBucketPolicyCommandOutput,
  type GetPublicAccessBlockCommandOutput,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { errorMessage } from '../util/retry.js';
import { ARTIFACT_PREFIX, LIFECYCLE_RULE_ID } from '../resources/artifacts/artifact-bucket.js';
import { checkProjectOverlap } from './project-overlap.js';
import { allPages } from '../aws/all-pages.js';
import { TagKeys } from '../model/tags.js';
import {
  AwsError,
  callAws,
  hasErrorName,
  httpStatus,
  isAccessDenied,
  type AwsDeps,
} from '../aws/aws-call.js';
import { POLICY_HASH_TAG, policyHash } from '../resources/execution-role/execution-role.js';
import {
  IAM_SIZE_LIMITS,
  INLINE_QUOTA,
  oversizeProblem,
  policyJson,
  policySize,
  type PolicyDocument,
  type PolicyStatement,
} from '../model/policy-document.js';
import { INLINE_POLICY_NAME, type RoleDocuments, type SetupDocuments } from './setup-documents.js';

export interface SetupClients {
  iam: IAMClient;
  s3: S3Client;
  /** To find stages still tagged with a renamed repository's old name. */
  tagging?: ResourceGroupsTaggingAPIClient;
}

/** One write setup makes (or, with dryRun, would make). */
export interface SetupChange {
  /** `create`, `update`. */
  kind: 'create' | 'update';
  /** "role shop-deploy-preview", "bucket lambda-deploy-...". */
  resource: string;
  /** What changes: "trust policy", "inline policy lambda-deploy", "public access block". */
  what: string;
}

export interface SetupReport {
  dryRun: boolean;
  changes: SetupChange[];
  /** What was already right. */
  unchanged: string[];
  productionRoleArn: string;
  previewRoleArn: string;
}

interface Run {
  clients: SetupClients;
  deps: AwsDeps;
  dryRun: boolean;
  report: SetupReport;
  /** `--previous-repository`: the name the repository had, which its deploy roles may still carry. */
  previousRepository?: string;
  /** The old name as the deploy roles carried it, once a role was moved from it. */
  movedFrom?: string;
}

/** Same JSON document, whatever the spacing or URL-encoding IAM returns it in. */
function sameDocument(current: string | undefined, wanted: PolicyDocument): boolean {
  if (current === undefined) return false;
  try {
    const text = current.trimStart().startsWith('{') ? current : decodeURIComponent(current);
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(wanted);
  } catch {
    return false;
  }
}

/** A read that answers undefined when AWS says the thing is not there. */
async function read<T>(
  run: Run,
  what: string,
  permission: string,
  missing: string[],
  fn: () => Promise<T>,
): Promise<T | undefined> {
  const absent = (e: unknown) =>
    hasErrorName(e, ...missing) || (missing.includes('404') && httpStatus(e) === 404);
  try {
    return await callAws(run.deps, { what, permission, passThrough: absent }, fn);
  } catch (error) {
    if (absent(error)) return undefined;
    throw error;
  }
}

/** A write: recorded always, made unless dry-run. */
async function write(
  run: Run,
  change: SetupChange,
  permission: string,
  fn: () => Promise<unknown>,
): Promise<void> {
  run.report.changes.push(change);
  if (run.dryRun) return;
  run.deps.logger.info(
    `${change.kind === 'create' ? 'Creating' : 'Updating'} ${change.resource}: ${change.what}`,
  );
  await callAws(
    run.deps,
    {
      what: `${change.kind} ${change.resource} (${change.what})`,
      permission,
    },
    fn,
  );
}

/**
 * A create: false when IAM answers that the entity exists, which is what the
 * SDK's retry of a create that took effect (a 5xx, a dropped connection)
 * meets, or a setup running alongside. The caller then reads it again and
 * compares, as on a second run.
 */
async function create(
  run: Run,
  change: SetupChange,
  permission: string,
  fn: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await write(run, change, permission, fn);
    return true;
  } catch (error) {
    if (!hasErrorName(error, 'EntityAlreadyExists')) throw error;
    run.report.changes.splice(run.report.changes.indexOf(change), 1);
    run.deps.logger.info(`${change.resource} exists already: comparing it with what setup writes.`);
    return false;
  }
}

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

/**
 * Refuses, before any write, a role of setup's names that setup did not make
 * (its lambda-deploy:name tag is not the project's), or a deploy role set up
 * for another repository: updating it would replace its trust policy, and
 * whatever signs in through it today would be locked out.
 */
async function checkRoleOwner(run: Run, role: RoleDocuments): Promise<boolean> {
  const project = role.tags[TagKeys.Name] ?? '';
  const current = (
    await read(run, `read role ${role.name}`, 'iam:GetRole', ['NoSuchEntity'], () =>
      run.clients.iam.send(new GetRoleCommand({ RoleName: role.name })),
    )
  )?.Role;
  if (!current) return false;
  const tagOf = (key: string) => current.Tags?.find((t) => t.Key === key)?.Value;
  const tag = tagOf(TagKeys.Name);
  // A deploy role trusts one repository: another's, of the same name, would lose its deploys.
  const repository = role.tags[TagKeys.Repository];
  const theirs = tagOf(TagKeys.Repository);
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (tag === project && repository && theirs && !same(theirs, repository)) {
    // GitHub's sub claim names the repository as it is now: after a rename the old trust
    // matches nothing. Only the user can say the two names are one repository.
    if (run.previousRepository && same(run.previousRepository, theirs)) {
      run.movedFrom = theirs;
      run.deps.logger.info(
        `IAM role ${role.name}: set up for ${theirs}, moved to ${repository} as --previous-repository says; ${theirs}'s workflows can no longer sign in with it.`,
      );
      return true;
    }
    throw new Error(
      `IAM role ${role.name} is set up for repository ${theirs} (tag ${TagKeys.Repository}), not ${repository}; setup leaves it as it is. ` +
        `If ${theirs} was renamed to ${repository}, run setup again with --previous-repository ${theirs}: it moves the deploy roles' trust and tag to ${repository} (a renamed repository sends GitHub's immutable sub form: give --owner-id and --repo-id too). ` +
        `Otherwise they are another repository's deploys of a project named ${project}: choose another --name for ${repository}.`,
    );
  }
  if (tag === project) return true;
  throw new Error(
    `IAM role ${role.name} exists but was not made by lambda-deploy setup for ${project} (its ${TagKeys.Name} tag: ${tag === undefined ? 'none' : JSON.stringify(tag)}); setup leaves it as it is. ` +
      `Expected no role of that name, or one tagged ${TagKeys.Name}=${project}: rename or delete that role, or choose another --name.`,
  );
}

/** A policy document as IAM returns it (URL-encoded), sized as IAM counts it. */
function textSize(document: string | undefined): number {
  const text = document?.trimStart().startsWith('{') ? document : decodeURIComponent(document ?? '');
  return text.replace(/\s/g, '').length;
}

/**
 * IAM's 10,240 is for all of a role's inline policies together: one someone
 * added beside ours leaves less room, and IAM would refuse ours half-way.
 */
async function inlineRoomProblem(run: Run, role: RoleDocuments, input: string): Promise<string | undefined> {
  const { iam } = run.clients;
  const names = await allPages(
    (marker) =>
      callAws(
        run.deps,
        { what: `list the inline policies of role ${role.name}`, permission: 'iam:ListRolePolicies' },
        () => iam.send(new ListRolePoliciesCommand({ RoleName: role.name, Marker: marker })),
      ),
    (page) => page.PolicyNames,
    (page) => (page.IsTruncated ? page.Marker : undefined),
  );
  const others: [string, number][] = [];
  for (const name of names) {
    if (name === INLINE_POLICY_NAME) continue;
    const found = await callAws(
      run.deps,
      { what: `read the inline policy ${name} of role ${role.name}`, permission: 'iam:GetRolePolicy' },
      () => iam.send(new GetRolePolicyCommand({ RoleName: role.name, PolicyName: name })),
    );
    others.push([name, textSize(found.PolicyDocument)]);
  }
  const ours = policySize(role.policy);
  const count = (n: number) => n.toLocaleString('en-US');
  return oversizeProblem({
    input,
    what: `the inline policies of role ${role.name} (${[[INLINE_POLICY_NAME, ours] as const, ...others].map(([n, size]) => `${n} ${count(size)}`).join(', ')})`,
    size: others.reduce((sum, [, size]) => sum + size, ours),
    limit: IAM_SIZE_LIMITS.roleInlinePolicies,
    quota: INLINE_QUOTA,
    advice: `the ${others.length === 1 ? 'policy' : 'policies'} ${others.map(([n]) => n).join(', ')} that setup did not write share that room: make ${others.length === 1 ? 'it a managed policy' : 'them managed policies'} (aws iam create-policy, then attach-role-policy: managed policies do not count toward it) or shrink ${others.length === 1 ? 'it' : 'them'}, then run setup again`,
  });
}

function tagList(tags: Record<string, string>) {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

async function ensureRole(run: Run, role: RoleDocuments, hashTag: boolean, again = false): Promise<void> {
  const { iam } = run.clients;
  const resource = `role ${role.name}`;
  // The production execution role carries the hash of its policy, as the action writes it.
  const tags = hashTag
    ? { ...role.tags, [POLICY_HASH_TAG]: policyHash(JSON.stringify(role.policy)) }
    : role.tags;
  const current: Role | undefined = (
    await read(run, `read ${resource}`, 'iam:GetRole', ['NoSuchEntity'], () =>
      iam.send(new GetRoleCommand({ RoleName: role.name })),
    )
  )?.Role;
  const putPolicy = (kind: 'create' | 'update') =>
    write(run, { kind, resource, what: `inline policy ${INLINE_POLICY_NAME}` }, 'iam:PutRolePolicy', () =>
      iam.send(
        new PutRolePolicyCommand({
          RoleName: role.name,
          PolicyName: INLINE_POLICY_NAME,
          PolicyDocument: JSON.stringify(role.policy),
        }),
      ),
    );
  if (!current) {
    if (again) throw new Error(`IAM says ${resource} exists, but it cannot be read yet; run setup again.`);
    const made = await create(
      run,
      { kind: 'create', resource, what: role.description },
      'iam:CreateRole',
      () =>
        iam.send(
          new CreateRoleCommand({
            RoleName: role.name,
            AssumeRolePolicyDocument: JSON.stringify(role.trust),
            Description: role.description,
            Tags: tagList(tags),
            PermissionsBoundary: role.boundaryArn,
            MaxSessionDuration: 3600,
          }),
        ),
    );
    if (made) await putPolicy('create');
    else await ensureRole(run, role, hashTag, true);
    return;
  }
  await updateRole(run, role, current, tags, putPolicy);
}

/** An existing role brought to what setup writes: trust, boundary, inline policy, tags. */
async function updateRole(
  run: Run,
  role: RoleDocuments,
  current: Role,
  tags: Record<string, string>,
  putPolicy: (kind: 'create' | 'update') => Promise<void>,
): Promise<void> {
  const { iam } = run.clients;
  const resource = `role ${role.name}`;
  const before = run.report.changes.length;
  if (!sameDocument(current.AssumeRolePolicyDocument, role.trust))
    await write(run, { kind: 'update', resource, what: 'trust policy' }, 'iam:UpdateAssumeRolePolicy', () =>
      iam.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: role.name,
          PolicyDocument: JSON.stringify(role.trust),
        }),
      ),
    );
  if (role.boundaryArn && current.PermissionsBoundary?.PermissionsBoundaryArn !== role.boundaryArn)
    await write(
      run,
      { kind: 'update', resource, what: `permissions boundary ${role.boundaryArn}` },
      'iam:PutRolePermissionsBoundary',
      () =>
        iam.send(
          new PutRolePermissionsBoundaryCommand({
            RoleName: role.name,
            PermissionsBoundary: role.boundaryArn,
          }),
        ),
    );
  const inline = await read(
    run,
    `read the policy of ${resource}`,
    'iam:GetRolePolicy',
    ['NoSuchEntity'],
    () => iam.send(new GetRolePolicyCommand({ RoleName: role.name, PolicyName: INLINE_POLICY_NAME })),
  );
  if (!sameDocument(inline?.PolicyDocument, role.policy)) await putPolicy('update');
  const have = Object.fromEntries((current.Tags ?? []).map((t) => [t.Key, t.Value]));
  const missing = Object.entries(tags).filter(([k, v]) => have[k] !== v);
  if (missing.length)
    await write(
      run,
      { kind: 'update', resource, what: `tags ${missing.map(([k]) => k).join(', ')}` },
      'iam:TagRole',
      () => iam.send(new TagRoleCommand({ RoleName: role.name, Tags: tagList(Object.fromEntries(missing)) })),
    );
  if (run.report.changes.length === before) run.report.unchanged.push(resource);
}

/** The lifecycle rule the action checks for: old artifacts expire, unfinished uploads go. */
export function artifactLifecycleRule(days: number): LifecycleRule {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: 'Enabled',
    Filter: { Prefix: ARTIFACT_PREFIX },
    Expiration: { Days: days },
    NoncurrentVersionExpiration: { NoncurrentDays: days },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
  };
}

/** What each setting step of ensureBucket works on. */
interface BucketStep {
  run: Run;
  s3: SetupClients['s3'];
  bucket: SetupDocuments['bucket'];
  resource: string;
  /** The bucket and the owner it must have, for every call. */
  common: { Bucket: string; ExpectedBucketOwner: string };
  /** Made by this run: it has none of its settings yet, so none is read. */
  created: boolean;
}

async function ensureBucket(run: Run, bucket: SetupDocuments['bucket']): Promise<void> {
  const owner = run.report.productionRoleArn.split(':')[4]!;
  const resource = `bucket ${bucket.name}`;
  const common = { Bucket: bucket.name, ExpectedBucketOwner: owner };
  const exists = await findBucket(run, bucket, resource, common);
  const before = run.report.changes.length;
  const step: BucketStep = { run, s3: run.clients.s3, bucket, resource, common, created: !exists };
  const settings = [
    publicAccessBlock,
    encryption,
    ownership,
    bucketPolicy,
    lifecycle,
  ] as BucketSetting<unknown>[];
  // The action writes no setting to an existing --s3-bucket bucket, and neither does setup:
  // blocking public access, turning ACLs off or refusing HTTP could break what else uses it.
  // Unless setup made it (its tag): a run that died after CreateBucket left it half set up.
  if (exists && bucket.given && !(await madeBySetup(step))) return leaveBucket(step, settings);
  if (step.created) await createBucket(step);
  for (const setting of settings) await ensureSetting(step, setting);
  if (run.report.changes.length === before)
    run.report.unchanged.push(`${resource} (private, encrypted, TLS only, lifecycle)`);
}

/** An existing bucket named by --s3-bucket: read only, each setting it lacks said. */
async function leaveBucket(step: BucketStep, settings: BucketSetting<unknown>[]): Promise<void> {
  const { run, s3, common, resource } = step;
  const lacking: string[] = [];
  for (const setting of settings) {
    const current = await read(
      run,
      `read the ${setting.what} of ${resource}`,
      setting.readPermission,
      setting.missing,
      () => setting.read(s3, common),
    );
    if (!setting.ok(current, step)) lacking.push(setting.change(step));
  }
  run.report.unchanged.push(`${resource} (existed: left as it is)`);
  if (lacking.length)
    run.deps.logger.warning(
      `${resource} existed and is not the default lambda-deploy bucket, so setup leaves it as it is; it lacks: ${lacking.join(', ')}. ` +
        'Set them yourself (setup --dry-run --documents prints the bucket policy), or use a bucket for lambda-deploy only.',
    );
}

/** Whether the bucket exists (and is this account's: a bucket of another account is refused). */
async function findBucket(
  run: Run,
  bucket: SetupDocuments['bucket'],
  resource: string,
  common: BucketStep['common'],
): Promise<boolean> {
  const found = await read(
    run,
    `read ${resource}`,
    's3:ListBucket',
    ['NotFound', 'NoSuchBucket', '404'],
    () => run.clients.s3.send(new HeadBucketCommand(common)),
  ).catch((error: unknown) => {
    // Bucket names are global: with ExpectedBucketOwner, another account's bucket is a 403.
    if (isAccessDenied(error))
      throw new AwsError(
        `S3 bucket ${bucket.name} exists but belongs to another account (bucket names are global), ` +
          `or these credentials may not read it (s3:ListBucket). Nothing was written to it. ` +
          `Choose another name with --s3-bucket, and set the same s3-bucket input in the workflow.`,
        'AccessDenied',
        { cause: error },
      );
    throw error;
  });
  return found !== undefined;
}

/**
 * The tag setup gives a bucket it creates, in the CreateBucket call itself (no
 * window where the bucket exists untagged): how a later run tells its own
 * --s3-bucket bucket from a user's.
 */
export const SETUP_BUCKET_TAG = { Key: 'lambda-deploy:artifact-bucket', Value: 'setup' } as const;

/** Whether an existing bucket carries SETUP_BUCKET_TAG; a tag set it may not read is not ours. */
async function madeBySetup({ run, s3, common, resource }: BucketStep): Promise<boolean> {
  try {
    const tagging = await read(
      run,
      `read the tags of ${resource}`,
      's3:GetBucketTagging',
      ['NoSuchTagSet'],
      () => s3.send(new GetBucketTaggingCommand(common)),
    );
    return (tagging?.TagSet ?? []).some(
      (t) => t.Key === SETUP_BUCKET_TAG.Key && t.Value === SETUP_BUCKET_TAG.Value,
    );
  } catch (error) {
    if (isAccessDenied(error)) return false;
    throw error;
  }
}

async function createBucket({ run, s3, bucket, resource }: BucketStep): Promise<void> {
  const region = await s3.config.region();
  await write(
    run,
    { kind: 'create', resource, what: 'artifact bucket, objects owned by the account' },
    's3:CreateBucket and s3:TagResource',
    () =>
      s3.send(
        new CreateBucketCommand({
          Bucket: bucket.name,
          ObjectOwnership: 'BucketOwnerEnforced',
          CreateBucketConfiguration: {
            ...(region !== 'us-east-1' && { LocationConstraint: region as never }),
            Tags: [{ ...SETUP_BUCKET_TAG }],
          },
        }),
      ),
  );
}

/**
 * One setting of the artifact bucket: read as it is (nothing to read on a
 * bucket this run made), kept when `ok`, else written.
 */
interface BucketSetting<T> {
  what: string;
  readPermission: string;
  /** Error names that mean "no such setting". */
  missing: string[];
  read(s3: SetupClients['s3'], common: BucketStep['common']): Promise<T>;
  ok(current: T | undefined, step: BucketStep): boolean;
  /** What is written, for the report. */
  change(step: BucketStep): string;
  writePermission: string;
  write(
    s3: SetupClients['s3'],
    common: BucketStep['common'],
    current: T | undefined,
    step: BucketStep,
  ): Promise<unknown>;
}

async function ensureSetting<T>(step: BucketStep, setting: BucketSetting<T>): Promise<void> {
  const { run, s3, common, resource, created } = step;
  const current = created
    ? undefined
    : await read(
        run,
        `read the ${setting.what} of ${resource}`,
        setting.readPermission,
        setting.missing,
        () => setting.read(s3, common),
      );
  if (setting.ok(current, step)) return;
  await write(
    run,
    { kind: created ? 'create' : 'update', resource, what: setting.change(step) },
    setting.writePermission,
    () => setting.write(s3, common, current, step),
  );
}

const PUBLIC_ACCESS_BLOCKED = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

const publicAccessBlock: BucketSetting<GetPublicAccessBlockCommandOutput> = {
  what: 'public access block',
  readPermission: 's3:GetBucketPublicAccessBlock',
  missing: ['NoSuchPublicAccessBlockConfiguration'],
  read: (s3, common) => s3.send(new GetPublicAccessBlockCommand(common)),
  ok: (current) => {
    const pab = current?.PublicAccessBlockConfiguration;
    return !!(
      pab?.BlockPublicAcls &&
      pab.IgnorePublicAcls &&
      pab.BlockPublicPolicy &&
      pab.RestrictPublicBuckets
    );
  },
  change: () => 'public access blocked',
  writePermission: 's3:PutBucketPublicAccessBlock',
  write: (s3, common) =>
    s3.send(
      new PutPublicAccessBlockCommand({ ...common, PublicAccessBlockConfiguration: PUBLIC_ACCESS_BLOCKED }),
    ),
};

const encryption: BucketSetting<GetBucketEncryptionCommandOutput> = {
  what: 'encryption',
  readPermission: 's3:GetEncryptionConfiguration',
  missing: ['ServerSideEncryptionConfigurationNotFoundError'],
  read: (s3, common) => s3.send(new GetBucketEncryptionCommand(common)),
  ok: (current) => !!current?.ServerSideEncryptionConfiguration?.Rules?.length,
  change: () => 'default encryption (SSE-S3)',
  writePermission: 's3:PutEncryptionConfiguration',
  write: (s3, common) =>
    s3.send(
      new PutBucketEncryptionCommand({
        ...common,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    ),
};

/** On an existing bucket only: a new one is created with it. */
const ownership: BucketSetting<GetBucketOwnershipControlsCommandOutput> = {
  what: 'ownership controls',
  readPermission: 's3:GetBucketOwnershipControls',
  missing: ['OwnershipControlsNotFoundError'],
  read: (s3, common) => s3.send(new GetBucketOwnershipControlsCommand(common)),
  ok: (current, step) =>
    step.created || current?.OwnershipControls?.Rules?.[0]?.ObjectOwnership === 'BucketOwnerEnforced',
  change: () => 'objects owned by the account (ACLs off)',
  writePermission: 's3:PutBucketOwnershipControls',
  write: (s3, common) =>
    s3.send(
      new PutBucketOwnershipControlsCommand({
        ...common,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    ),
};

const bucketPolicy: BucketSetting<GetBucketPolicyCommandOutput> = {
  what: 'policy',
  readPermission: 's3:GetBucketPolicy',
  missing: ['NoSuchBucketPolicy'],
  read: (s3, common) => s3.send(new GetBucketPolicyCommand(common)),
  ok: (current, step) => !mergeStatements(current?.Policy, step.bucket.policy),
  change: () => 'bucket policy: TLS only',
  writePermission: 's3:PutBucketPolicy',
  write: (s3, common, current, step) =>
    s3.send(
      new PutBucketPolicyCommand({
        ...common,
        Policy: JSON.stringify(mergeStatements(current?.Policy, step.bucket.policy)),
      }),
    ),
};

const lifecycle: BucketSetting<GetBucketLifecycleConfigurationCommandOutput> = {
  what: 'lifecycle rules',
  readPermission: 's3:GetLifecycleConfiguration',
  missing: ['NoSuchLifecycleConfiguration'],
  read: (s3, common) => s3.send(new GetBucketLifecycleConfigurationCommand(common)),
  ok: (current, step) =>
    current?.Rules?.find((r) => r.ID === LIFECYCLE_RULE_ID)?.Expiration?.Days === step.bucket.expireAfterDays,
  change: (step) => `lifecycle: artifacts expire after ${step.bucket.expireAfterDays} days`,
  writePermission: 's3:PutLifecycleConfiguration',
  write: (s3, common, current, step) => {
    // Other rules someone added stay.
    const others = (current?.Rules ?? []).filter((r) => r.ID !== LIFECYCLE_RULE_ID);
    const wanted = artifactLifecycleRule(step.bucket.expireAfterDays);
    return s3.send(
      new PutBucketLifecycleConfigurationCommand({
        ...common,
        LifecycleConfiguration: { Rules: [...others, wanted] },
      }),
    );
  },
};

/** The bucket policy with our statements in (by Sid), or undefined when it already has them. */
function mergeStatements(current: string | undefined, wanted: PolicyDocument): PolicyDocument | undefined {
  let doc: { Version?: string; Statement?: PolicyStatement[] } = {};
  try {
    if (current) doc = JSON.parse(current) as typeof doc;
  } catch {
    doc = {};
  }
  const statements = doc.Statement ?? [];
  const missing = wanted.Statement.filter(
    (w) => !statements.some((s) => s.Sid === w.Sid && JSON.stringify(s) === JSON.stringify(w)),
  );
  if (!missing.length) return undefined;
  const sids = new Set(wanted.Statement.map((w) => w.Sid));
  return {
    Version: '2012-10-17',
    Statement: [...statements.filter((s) => !sids.has(s.Sid)), ...wanted.Statement],
  };
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
