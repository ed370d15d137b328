/**
 * The IAM roles setup writes (deploy and execution roles): whose a role of
 * setup's names is, the room for its inline policy, and bringing it to what
 * setup writes.
 */
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListRolePoliciesCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  type Role,
} from '@aws-sdk/client-iam';
import { allPages } from '../aws/all-pages.js';
import { TagKeys } from '../model/tags.js';
import { callAws } from '../aws/aws-call.js';
import { POLICY_HASH_TAG, policyHash } from '../resources/execution-role/execution-role.js';
import { IAM_SIZE_LIMITS, INLINE_QUOTA, oversizeProblem, policySize } from '../model/policy-document.js';
import { INLINE_POLICY_NAME, type RoleDocuments } from './setup-documents.js';
import { create, read, sameDocument, write, type Run } from './setup-run.js';

/**
 * Refuses, before any write, a role of setup's names that setup did not make
 * (its lambda-deploy:name tag is not the project's), or a deploy role set up
 * for another repository: updating it would replace its trust policy, and
 * whatever signs in through it today would be locked out.
 */
export async function checkRoleOwner(run: Run, role: RoleDocuments): Promise<boolean> {
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
export async function inlineRoomProblem(
  run: Run,
  role: RoleDocuments,
  input: string,
): Promise<string | undefined> {
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

export async function ensureRole(
  run: Run,
  role: RoleDocuments,
  hashTag: boolean,
  again = false,
): Promise<void> {
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
