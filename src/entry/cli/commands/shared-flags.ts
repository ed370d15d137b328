import { readFileSync } from 'node:fs';
import { BRANCH_NAME } from '../../../model/production-branches.js';
import { ENVIRONMENT_NAME } from '../../../model/setup-command.js';
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

/** A list flag's names (undefined when not given), each an exact name, or an error naming the flag and each bad one. */
function exactNames(
  flag: string,
  text: string | undefined,
  exact: RegExp,
  expected: string,
): string[] | undefined {
  const names = commaList(text);
  const bad = names?.filter((n) => !exact.test(n)) ?? [];
  if (bad.length)
    throw new SettingsError(
      bad.map(
        (n) =>
          `--${flag}: ${JSON.stringify(n)} is not valid; expected exact ${expected} (no wildcards: list each one).`,
      ),
    );
  return names;
}

/** --protected-branches: the branches a trust policy names, exactly. */
export const branchList = (text: string | undefined): string[] | undefined =>
  exactNames(TRUST_FLAGS.protectedBranches.name, text, BRANCH_NAME, 'branch names, like main,release/1.x');

/** --github-environment: the environments a trust policy names, exactly. */
export const environmentList = (text: string | undefined): string[] | undefined =>
  exactNames(
    TRUST_FLAGS.githubEnvironment.name,
    text,
    ENVIRONMENT_NAME,
    'GitHub environment names, like production',
  );

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
