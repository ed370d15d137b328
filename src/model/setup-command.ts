/**
 * The one `setup` command every hint prints (a deploy before setup, a
 * placeholder role ARN, policy-statements on a preview) and init's next steps:
 * with every flag whose value differs from setup's default, so the roles
 * setup makes trust and protect what this project deploys. Pure.
 */
import { DEFAULT_PROTECTED_BRANCHES } from './production-branches.js';
import { DEFAULT_PROTECTED_STAGES } from './protected-stages.js';
import { branchStage } from './stage-name.js';

/** Branches whose pushes the production deploy role trusts, without --protected-branches. */
export { DEFAULT_PROTECTED_BRANCHES };
/** GitHub environments the production deploy role trusts, without --github-environment. */
export const DEFAULT_ENVIRONMENTS: readonly string[] = ['production'];

/** An exact GitHub environment name: a trust policy's `environment:NAME`, where a `*` would be a pattern. */
export const ENVIRONMENT_NAME = /^[^\s*?'"`]+$/;

const CLI = 'npx github:org/lambda-deploy';

export interface SetupCommandOptions {
  name: string;
  /** `REGION` when unknown. */
  region?: string | undefined;
  /** `OWNER/REPO` when unknown (a CLI deploy outside git). */
  repository?: string | undefined;
  protectedStages?: readonly string[] | undefined;
  protectedBranches?: readonly string[] | undefined;
  environments?: readonly string[] | undefined;
  s3Bucket?: string | undefined;
  /** What the hint adds, e.g. `--policy-statements FILE`. */
  extra?: string;
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((item) => b.includes(item));

/**
 * A value as a POSIX shell reads it back: bare when plain, else in single
 * quotes: protected-stages is read as written (blanks too), and a branch
 * name may hold characters a shell acts on (`$`, `;`, `(`, a quote).
 */
const shellWord = (value: string) =>
  /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;

/** `npx github:org/lambda-deploy setup --name … --aws-region … --repository …` and the non-default flags. */
export function setupCommandLine(o: SetupCommandOptions): string {
  const lists = [
    ['github-environment', o.environments, DEFAULT_ENVIRONMENTS],
    ['protected-branches', o.protectedBranches, DEFAULT_PROTECTED_BRANCHES],
    ['protected-stages', o.protectedStages, DEFAULT_PROTECTED_STAGES],
  ] as const;
  const flags = [
    `--name ${shellWord(o.name)}`,
    `--aws-region ${shellWord(o.region || 'REGION')}`,
    `--repository ${shellWord(o.repository || 'OWNER/REPO')}`,
    ...lists
      .filter(([, given, fallback]) => given?.length && !sameList(given, fallback))
      .map(([flag, given]) => `--${flag} ${shellWord(given!.join(','))}`),
    ...(o.s3Bucket ? [`--s3-bucket ${shellWord(o.s3Bucket)}`] : []),
    ...(o.extra ? [o.extra] : []),
  ];
  return `${CLI} setup ${flags.join(' ')}`;
}

/** What a deploy's settings say about setup: the command's options (see setupCommandFor). */
export interface SetupSettings {
  name: string;
  awsRegion?: string | undefined;
  protectedStages: readonly string[];
  /** protected-stages as written (Settings.protectedStageEntries). */
  protectedStageEntries?: readonly string[] | undefined;
  s3Bucket?: string | undefined;
}

/**
 * The setup command's options for a deploy's settings: its protected stages
 * as written (a branch's stage that the settings added beside the branch is
 * left out). No --protected-branches: setup works them out from
 * --protected-stages (productionBranches), as the workflow's route job does.
 */
export function setupOptionsFor(
  settings: SetupSettings,
  repository: string | undefined,
): SetupCommandOptions {
  const stages =
    settings.protectedStageEntries ??
    settings.protectedStages.filter(
      (stage) => !settings.protectedStages.some((other) => other !== stage && branchStage(other) === stage),
    );
  return {
    name: settings.name,
    region: settings.awsRegion,
    repository,
    protectedStages: stages,
    s3Bucket: settings.s3Bucket,
  };
}

/** The setup command for a deploy's settings, quoted as hints print it; `extra` is what the hint adds. */
export function setupCommandFor(
  settings: SetupSettings,
  repository: string | undefined,
  extra?: string,
): string {
  return `"${setupCommandLine({ ...setupOptionsFor(settings, repository), ...(extra && { extra }) })}"`;
}
