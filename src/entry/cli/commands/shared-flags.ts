import { readFileSync } from 'node:fs';
import { BRANCH_NAME } from '../../../model/production-branches.js';
import { Inputs } from '../../../settings/names.js';
import { SettingsError } from '../../../settings/settings.js';
import { splitList } from '../../../settings/input-lists.js';
import { errorMessage } from '../../../util/retry.js';
import type { CommandContext } from '../command.js';
import { INPUT_FLAGS as F, UsageError, type Flag } from '../flags.js';

/** What is built: the commands that package (serve, package, deploy) read these alike. */
export const CODE_FLAGS: readonly Flag[] = [
  F.path,
  F.runtime,
  F.handler,
  F.app,
  F.architecture,
  F.requirements,
  F.pipArgs,
  F.include,
  F.exclude,
  F.slim,
  F.packageCache,
];

/** Who the deploy roles trust (policy, setup): the repository and its protected branches. */
export const TRUST_FLAGS = {
  ownerId: {
    name: 'owner-id',
    kind: 'value',
    arg: 'N',
    help: "the owner's numeric id, to trust the immutable sub form too (gh api repos/OWNER/REPO --jq .owner.id)",
  },
  repoId: {
    name: 'repo-id',
    kind: 'value',
    arg: 'N',
    help: "the repository's numeric id (gh api repos/OWNER/REPO --jq .id)",
  },
  protectedBranches: {
    name: 'protected-branches',
    kind: 'value',
    arg: 'LIST',
    help: 'branches whose pushes deploy production, comma-separated (default: those among --protected-stages but prod and production, as the workflow routes them; main,master)',
  },
  githubEnvironment: {
    name: 'github-environment',
    kind: 'value',
    arg: 'LIST',
    help: 'GitHub environments the production role trusts, comma-separated (default production)',
  },
} satisfies Record<string, Flag>;

/** Front doors a deploy role may manage: one kind, or all. */
export const GATEWAY_CHOICES = ['http-api', 'rest-api', 'function-url', 'none', 'all'] as const;

/** `a,b` or lines, trimmed; undefined when the flag was not given. */
export function commaList(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : splitList(text, /[,\n]/);
}

/** --protected-branches as a list (undefined when not given), each an exact branch name, or an error naming the flag. */
export function branchList(text: string | undefined): string[] | undefined {
  const branches = commaList(text);
  const bad = branches?.filter((b) => !BRANCH_NAME.test(b)) ?? [];
  if (bad.length)
    throw new SettingsError(
      bad.map(
        (b) =>
          `--${TRUST_FLAGS.protectedBranches.name}: ${JSON.stringify(b)} is not valid; expected exact branch names, like main,release/1.x (no wildcards: list each one).`,
      ),
    );
  return branches;
}

/** A flag value that must be one of `allowed`, or a usage error naming it. */
export function oneOf<T extends string>(
  command: string,
  flag: string,
  value: string,
  allowed: readonly T[],
): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(
      `--${flag}: ${JSON.stringify(value)} is not valid; expected one of ${allowed.join(', ')}`,
      command,
    );
  return value as T;
}

/** JSON given inline, or the text of the file it names; undefined when the flag is not given. */
export function jsonOrFile(command: string, flag: string, value: string | undefined): string | undefined {
  const text = value?.trim();
  if (!text || text.startsWith('{') || text.startsWith('[')) return text || undefined;
  try {
    return readFileSync(text, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--${flag}: ${JSON.stringify(text)} is neither JSON nor a readable file (${errorMessage(error)})`,
      command,
    );
  }
}

/** `--policy-statements JSON|FILE` (deploy and setup alike): the input's JSON, checked as the input is. */
export function policyStatementsInput(ctx: CommandContext, command: string): Record<string, string> {
  const text = jsonOrFile(command, Inputs.PolicyStatements, ctx.flags.inputs[Inputs.PolicyStatements]);
  return text === undefined ? {} : { [Inputs.PolicyStatements]: text };
}
