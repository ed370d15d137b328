/**
 * `lambda-deploy init`: writes the caller workflow into `.github/workflows/`:
 * the reusable workflow with the production role (its job in a GitHub
 * environment) and the preview role, on every event the reusable workflow
 * acts on. What `zappa init` is to Zappa: the file to commit, and the next steps.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_PROTECTED_STAGES } from '../model/protected-stages.js';
import { productionBranches, STAGE_ONLY_NAMES } from '../model/production-branches.js';
import { setupCommandLine } from '../model/setup-command.js';
import { deployRoleName } from './setup-documents.js';
import { ADMIN_BYPASS_FLAG, CONFIGURE_GITHUB_FLAG } from './github-settings.js';
import { branchStage } from '../model/stage-name.js';
import { PLACEHOLDER_ACCOUNT } from '../settings/aws-account.js';
import type { InitBuild } from './init-build.js';

export interface InitOptions {
  /** The `name` input. */
  name: string;
  awsRegion: string;
  /** ARNs from `setup`; placeholders naming the roles setup makes when absent. */
  productionRole?: string;
  previewRole?: string;
  /** The production job's GitHub environment. */
  environment?: string;
  app?: string;
  handler?: string;
  /** The handler package.json's "main" was guessed to name before the build (not written): said, not set. */
  handlerAfterBuild?: string;
  path?: string;
  /** The build the folder needs before packaging (initBuild), run by the reusable workflow's build input. */
  build?: InitBuild;
  runtime?: string;
  /** The front door, when given (the reusable workflow's default otherwise). */
  gateway?: string;
  /** An API key on the stages the production role deploys (the preview role may make none). */
  apiKey?: boolean;
  pipArgs?: string;
  protectedStages?: readonly string[];
  /**
   * setup's `--protected-branches`: the branches the production role trusts, and
   * the only ones the production environment may deploy from.
   */
  protectedBranches?: readonly string[];
  /** `org/lambda-deploy@v1`: where the reusable workflow comes from. */
  uses?: string;
  /** owner/repo, for the setup command of the next steps (OWNER/REPO when unknown). */
  repository?: string;
  /** False when written into a folder that is no git checkout yet (no origin could name the repository). */
  checkout?: boolean;
  /** The workflow's `name:` (default lambda-deploy): a second project's file names its project. */
  workflowName?: string;
}

export const WORKFLOW_FILE = '.github/workflows/lambda-deploy.yml';
const DEFAULT_USES = 'org/lambda-deploy/.github/workflows/deploy.yml@v1';

/** YAML scalar: plain when safe, single-quoted otherwise. */
function scalar(value: string): string {
  return /^[\w./:@-]+$/.test(value) && !/^(true|false|yes|no|on|off|null|~|\d+(\.\d+)?)$/i.test(value)
    ? value
    : `'${value.replace(/'/g, "''")}'`;
}

/**
 * The protected stages the workflow names: the given ones (the defaults'
 * stage names, prod and production, and the given branches without them)
 * plus every protected branch not among them. The reusable workflow sends a
 * push to the production job only when its branch is a protected stage, and
 * the preview role does not trust a protected branch's push: without it,
 * that push could deploy nowhere.
 */
export function workflowStages(o: Pick<InitOptions, 'protectedStages' | 'protectedBranches'>): string[] {
  const given = o.protectedBranches;
  const stages = [
    ...(o.protectedStages ??
      DEFAULT_PROTECTED_STAGES.filter((s) => !given || STAGE_ONLY_NAMES.includes(s) || given.includes(s))),
  ];
  for (const branch of given ?? [])
    if (!stages.includes(branch) && !stages.includes(branchStage(branch))) stages.push(branch);
  return stages;
}

/**
 * The branches production deploys from: those of the written protected-stages
 * (productionBranches, the route job's rule), unless --protected-branches
 * named others; and whether it did (setup must then be told).
 */
function branchesOf(o: Pick<InitOptions, 'protectedStages' | 'protectedBranches'>): {
  branches: readonly string[];
  differ: boolean;
} {
  const derived = productionBranches(workflowStages(o));
  const given = o.protectedBranches;
  const differ =
    given !== undefined && (given.length !== derived.length || given.some((b) => !derived.includes(b)));
  return { branches: differ ? given! : derived, differ };
}

function roleArn(given: string | undefined, name: string, kind: 'production' | 'preview'): string {
  return given ?? `arn:aws:iam::${PLACEHOLDER_ACCOUNT}:role/${deployRoleName(name, kind)}`;
}

/**
 * True exactly where the reusable workflow routes to the production job: a
 * push or manual run of a protected stage's branch. The preview role may make
 * no API key, so a pull request or another branch asking for one is refused.
 */
function productionOnly(stages: readonly string[]): string {
  const list = JSON.stringify(stages).replace(/'/g, "''");
  return `\${{ github.event_name != 'pull_request' && contains(fromJSON('${list}'), github.ref_name) }}`;
}

/**
 * GitHub compares strings ignoring case (==, contains(), even object keys):
 * no expression tells Main from main, while the reusable workflow's route
 * (bash) does. Said where the reader sees the expression.
 */
function apiKeyCaseNote(stages: readonly string[]): string[] {
  const stage = stages.find((s) => /^[a-z]/.test(s)) ?? 'main';
  const variant = stage[0]!.toUpperCase() + stage.slice(1);
  return [
    '      # True for pushes of the protected stages only. GitHub compares branch names ignoring case,',
    `      # so a branch such as ${variant} is not the protected stage ${stage} (the route compares exactly)`,
    '      # yet gets true here, and its preview deploy fails: the preview role may make no API key.',
    '      # Create no branch that differs from a protected stage only in case.',
  ];
}

export function callerWorkflow(o: InitOptions): string {
  const protectedStages = workflowStages(o);
  const { branches: protectedBranches } = branchesOf(o);
  const optional: [string, string | undefined][] = [
    ['app', o.app],
    ['handler', o.handler],
    ['path', o.path && o.path !== '.' ? o.path : undefined],
    ['build', o.build?.command],
    ['runtime', o.runtime],
    ['gateway', o.gateway],
    ['pip-args', o.pipArgs],
    [
      'protected-stages',
      protectedStages.join(',') === DEFAULT_PROTECTED_STAGES.join(',')
        ? undefined
        : protectedStages.join(','),
    ],
  ];
  const withLines = [
    ['name', o.name],
    ['aws-region', o.awsRegion],
    ['production-role', roleArn(o.productionRole, o.name, 'production')],
    ['preview-role', roleArn(o.previewRole, o.name, 'preview')],
    ['production-environment', o.environment ?? 'production'],
    ...optional.filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  ].map(([k, v]) => `      ${k}: ${scalar(v!)}`);
  if (o.apiKey)
    withLines.push(...apiKeyCaseNote(protectedStages), `      api-key: ${productionOnly(protectedStages)}`);
  const production = protectedBranches.length
    ? `Pushes to ${protectedBranches.join(', ')} deploy production (in the\n# GitHub environment below, with the production role)`
    : 'No push deploys production: protected-stages names\n# no branch (prod and production are stages)';
  return `# Written by lambda-deploy init. ${production}; pull requests and other
# branches get their own preview stage (the preview role, which cannot touch
# production or IAM), removed when the pull request closes or the branch goes.
name: ${scalar(o.workflowName ?? 'lambda-deploy')}

on:
  push:
    branches: ['**']
  pull_request:
    types: [opened, synchronize, reopened, closed]
  delete:
  schedule:
    - cron: '17 3 * * *'
  workflow_dispatch:

jobs:
  lambda:
    uses: ${o.uses ?? DEFAULT_USES}
    permissions:
      id-token: write
      contents: read
      pull-requests: write
      deployments: write
    with:
${withLines.join('\n')}
`;
}

export interface InitResult {
  path: string;
  /** Numbered, each step's details on indented lines under it: for a terminal. */
  nextSteps: string[];
  /** Each step on one line, unnumbered (a list's order numbers it): for --json. */
  nextStepsInLine: string[];
}

/** The project a workflow init wrote deploys (its `with:` `name:`), or undefined. */
export function workflowProject(text: string): string | undefined {
  const written = /^ {6}name: (.+?)\s*$/m.exec(text)?.[1];
  return written?.startsWith("'") ? written.slice(1, -1).replace(/''/g, "'") : written;
}

/**
 * Where init writes a project's workflow under `dir`: WORKFLOW_FILE, unless
 * that one deploys another project of the repository (a monorepo's second
 * service), which is never replaced: then `lambda-deploy-{name}.yml`, with
 * the project (`other`) whose file the default one is.
 */
export function workflowFileFor(dir: string, name: string): { file: string; other?: string } {
  const text = existsSync(join(dir, WORKFLOW_FILE)) ? readFileSync(join(dir, WORKFLOW_FILE), 'utf8') : '';
  const other = workflowProject(text);
  if (!other || other === name) return { file: WORKFLOW_FILE };
  return { file: `.github/workflows/lambda-deploy-${name}.yml`, other };
}

/** Writes the workflow under `dir`; refuses to overwrite one that is there unless `force`. */
export function writeCallerWorkflow(dir: string, o: InitOptions, force = false): InitResult {
  const { file, other } = workflowFileFor(dir, o.name);
  const path = join(dir, file);
  if (existsSync(path) && !force)
    throw new Error(`${file} exists already; expected --force to replace it (or edit it by hand).`);
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  writeFileSync(path, callerWorkflow({ ...(other && { workflowName: `lambda-deploy ${o.name}` }), ...o }));
  const steps = stepsAfterInit(o, relative(dir, path) || path);
  return {
    path,
    nextSteps: numbered(steps),
    nextStepsInLine: steps.map((lines) => lines.map((line) => line.trim()).join(' ')),
  };
}

/**
 * The steps after init, a short numbered list: each step's first line says
 * what to do, the lines under it (indented) the details.
 */
export const nextSteps = (o: InitOptions, file: string): string[] => numbered(stepsAfterInit(o, file));

function numbered(steps: string[][]): string[] {
  return steps.map(([first, ...rest], i) =>
    [`${i + 1}. ${first}`, ...rest.map((line) => `   ${line}`)].join('\n'),
  );
}

/**
 * The steps after init, each what to do and then its details, a line each.
 * Setup comes first when the roles are not known yet, with the GitHub
 * settings it checks (it stops until they hold); the push comes last, since
 * it deploys.
 */
function stepsAfterInit(o: InitOptions, file: string): string[][] {
  const environment = o.environment ?? 'production';
  const stages = workflowStages(o);
  const { branches, differ } = branchesOf(o);
  // setup must trust and protect what this workflow deploys: the command a deploy's hint prints for it
  // (setup works the branches out of --protected-stages), --protected-branches only when given otherwise;
  // the production job signs in as repo:…:environment:NAME, so the production role must trust NAME.
  const setup = setupCommandLine({
    name: o.name,
    region: o.awsRegion,
    repository: o.repository,
    environments: [environment],
    protectedBranches: differ ? branches : undefined,
    protectedStages: stages,
  });
  const settings = (first: string): string[] =>
    branches.length ? gitHubSettings(environment, stages, branches, first) : [];
  const steps: string[][] = [];
  if (!o.productionRole || !o.previewRole)
    steps.push(
      [
        'Create the roles once, with administrator AWS credentials (--dry-run shows the plan first; --cloudformation prints a template):',
        `  ${setup}`,
        // The roles trust this repository's workflows: a fork named here could deploy to the account.
        o.repository
          ? `${o.repository} is this checkout's origin: the roles will trust its workflows, so name the repository that deploys, never a fork.`
          : `OWNER/REPO: the repository whose workflows deploy, never a fork (${o.checkout === false ? 'this folder is no git checkout yet, so no origin remote names it' : 'this checkout has no GitHub origin remote to name it'}).`,
        ...settings(
          'Setup stops until two GitHub settings keep production to reviewed code: make them first',
        ),
      ],
      [`Put the two ARNs setup prints in ${file}, in place of ${PLACEHOLDER_ACCOUNT}.`],
    );
  else if (branches.length)
    steps.push(
      settings('Two GitHub settings keep production to reviewed code (setup checks them): make them'),
    );
  if (!branches.length)
    steps.push([
      `protected-stages (${stages.join(', ')}) names no branch: every push deploys a preview, with the preview role, and none reaches the production job; ` +
        'prune and branch deletions, which run on the default branch with the production role, cannot sign in. ' +
        'To deploy production from a branch, run init again with --protected-branches naming it (added to protected-stages).',
    ]);
  // The guessed handler is said in the build's line when its script writes the file; on its own otherwise.
  const guess = o.handlerAfterBuild;
  const alone = guess && !(o.build?.command && o.build.script);
  const step = [
    ...(o.build ? buildStep(o.build, o.path ?? '.', guess) : []),
    ...(alone
      ? [
          `The workflow names no handler: the action takes it from package.json's "main" when it deploys (${guess} is a guess until then).`,
        ]
      : []),
  ];
  if (step.length) steps.push(step);
  steps.push([`Commit ${file} and push: the push deploys its branch; a pull request gets a pr-N preview.`]);
  return steps;
}

/**
 * What the workflow's build does, and what pnpm and yarn need for the package
 * to hold what Lambda loads; with no build written (a workspace's that could
 * not be deployed as written), why and what to do instead.
 */
function buildStep(build: InitBuild, path: string, guess?: string): string[] {
  if (!build.command) return build.notes;
  const manager =
    build.lockfile === 'pnpm' ? 'pnpm' : build.lockfile?.startsWith('yarn') ? 'yarn' : undefined;
  const flat =
    build.lockfile === 'pnpm'
      ? 'node-linker=hoisted in .npmrc (pnpm links packages otherwise, which the package cannot hold)'
      : build.lockfile === 'yarn-berry'
        ? "nodeLinker: node-modules in .yarnrc.yml (Plug'n'Play writes no node_modules)"
        : '';
  // A handler guessed from a "main" not built: what the build writes names it, not the guess.
  const writes = !build.script
    ? ': it installs the dependencies the packaging looks for.'
    : guess
      ? `: package.json's ${build.script} script writes the handler's file, which the action takes from package.json's "main" after the build ` +
        `(the workflow names no handler: ${guess} is a guess until then); commit the sources, not the build.`
      : `: package.json's ${build.script} script writes ${build.file}; commit the sources, not the build.`;
  return [
    `The workflow's build (${build.command}) runs in ${path} before each deploy${writes}`,
    ...build.notes,
    // A workspace member's notes say where its packages are, and whether a bundle needs them.
    ...(manager && !build.workspace
      ? [
          `With ${manager}, node_modules is packaged as ${manager} installs it, devDependencies included (only npm's lockfile tells the packages only devDependencies need)${flat ? `; set ${flat}` : ''}. ` +
            'Or bundle the function (esbuild, say) and deploy the bundle.',
        ]
      : []),
  ];
}

/**
 * The two GitHub settings that keep production to reviewed code, after
 * `lead` (which offers making them by hand): or setup with a token that may
 * administer the repository, the bypass only for a maintainer working alone
 * (nobody else could approve their pull requests, so nothing would merge).
 */
function gitHubSettings(
  environment: string,
  stages: readonly string[],
  branches: readonly string[],
  lead: string,
): string[] {
  // Stage names that are no protected branch (prod, production by default): a branch so named
  // is one anyone with write access can push, so the environment must not admit it.
  const stagesOnly = stages.filter((s) => !branches.includes(s));
  return [
    `${lead} in GitHub's Settings, or add --${CONFIGURE_GITHUB_FLAG} to setup (with GH_TOKEN=$(gh auth token)) to make the ones missing; ` +
      `working alone (you cannot approve your own pull requests), --${ADMIN_BYPASS_FLAG} too (repository admins may then merge without a review):`,
    `(a) Settings > Environments: create "${environment}", deployment branches limited to exactly ${branches.join(', ')}, the protected branches the production role trusts ` +
      '(else a pull request could use it); required reviewers if deploys need an approval.' +
      (stagesOnly.length
        ? ` Not ${stagesOnly.join(', ')}: protected stages, not branches; a branch so named, which anyone with write access can push, would be trusted as production.`
        : ''),
    `(b) Settings > Rules > Rulesets (or branch protection) on ${branches.join(', ')}: a pull request with an approving review, no force push, no deletion; ` +
      'whatever lands there deploys production.',
  ];
}
