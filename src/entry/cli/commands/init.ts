import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, posix, relative, resolve } from 'node:path';
import { WORKFLOW_FILE, workflowFileFor, writeCallerWorkflow } from '../../../setup/init-workflow.js';
import type { CliCommand } from '../command.js';
import { INPUT_FLAGS as F, UsageError } from '../flags.js';
import { gitHubRepository } from '../local-context.js';
import { branchList, environmentList, TRUST_FLAGS } from './shared-flags.js';
import { initProjectName } from './init-name.js';
import {
  checkHandlerIn,
  entryPointElsewhere,
  HandlerCheckError,
  handlerTarget,
  missingModuleError,
  topLevelApps,
} from '../../../packaging/handler-check.js';
import { packageEntry } from '../../../settings/package-json.js';
import { typeScriptContext } from '../../../packaging/typescript-built-handler.js';
import { buildScriptCommand, scriptNamesFile } from '../../../packaging/build-script.js';
import { packageJsonSyntax, UNPARSABLE_PACKAGE_JSON } from '../../../packaging/package-json-check.js';
import { buildFacts, initBuild, unbuiltHandlerNote } from '../../../setup/init-build.js';
import { unparsableNote } from '../../../setup/workspace-build-notes.js';
import { pythonExecutable } from '../../../packaging/python-command.js';
import type { Settings } from '../../../model/settings.js';
import type { CommandContext } from '../command.js';
import { Inputs } from '../../../settings/names.js';
import { inputName } from '../../../settings/surface.js';
import { realOrResolved } from '../../../settings/source-folder.js';
import { redact } from '../../../util/redact.js';
import { enclosingRepository } from '../../../util/repository-root.js';

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

export const initCommand: CliCommand = {
  name: 'init',
  summary: 'write the GitHub workflow (.github/workflows/lambda-deploy.yml) and print the next steps',
  usage: '[--name NAME] [--aws-region REGION] [--production-role ARN --preview-role ARN]',
  description: [
    'Writes .github/workflows/lambda-deploy.yml: the reusable workflow with the production',
    'role (its job in a GitHub environment) and the preview role, on push, pull_request,',
    'delete and a nightly prune. Prints the next steps. When that file deploys another',
    'project of the repository (a second service), writes lambda-deploy-NAME.yml instead.',
  ].join('\n'),
  flags: [
    {
      ...F.name,
      help: `project name: every resource name starts with it (default: package.json's "name", its scope dropped, or pyproject.toml's [project] name, or Poetry's [tool.poetry] name)`,
    },
    F.awsRegionOffline,
    { name: 'production-role', kind: 'value', arg: 'ARN', help: 'from setup (a placeholder otherwise)' },
    { name: 'preview-role', kind: 'value', arg: 'ARN', help: 'from setup (a placeholder otherwise)' },
    {
      name: 'github-environment',
      kind: 'value',
      arg: 'NAME',
      help: "the production job's GitHub environment (default production)",
    },
    F.protectedStages,
    TRUST_FLAGS.protectedBranches,
    F.path,
    F.runtime,
    F.handler,
    F.app,
    F.gateway,
    F.apiKey,
    F.pipArgs,
    {
      name: 'dir',
      kind: 'value',
      arg: 'DIR',
      help: "the repository's folder, where --path starts (default .)",
    },
    { name: 'force', kind: 'switch', help: 'replace an existing workflow file' },
  ],
  usesAws: false,
  // The workflow's path starts from the checkout's root on the runner: here, the folder it is written into.
  codeRoot: (flags) => ({
    folder: resolve(flags.own.dir ?? '.'),
    said: `the repository's folder (--dir${flags.own.dir === undefined ? ' not given: the current folder' : ''}), where --path starts`,
  }),
  async run(ctx) {
    const { own, inputs } = ctx.flags;
    const dir = resolve(own.dir ?? '.');
    const here = own.dir === undefined;
    // Before the inputs are read: --path starts from --dir, which a --dir below the checkout gets wrong.
    const checkout = refuseBelowCheckout(dir, here, inputs.path, ctx.io.env.HOME || homedir()) !== undefined;
    if (!inputs[Inputs.Name]?.trim()) {
      const python = !inputs[Inputs.Runtime]?.startsWith('nodejs');
      inputs[Inputs.Name] = initProjectName(resolve(dir, inputs.path ?? '.'), python, (m) =>
        ctx.logger.info(m),
      );
    }
    const settings = ctx.settings({ command: 'deploy' });
    const region = settings.awsRegion;
    if (!region)
      throw new UsageError('--aws-region: expected a region like eu-west-1 (or set AWS_REGION)', 'init');
    for (const flag of ['production-role', 'preview-role'] as const) {
      const arn = own[flag];
      if (arn !== undefined && !ROLE_ARN.test(arn))
        throw new UsageError(
          `--${flag}: ${JSON.stringify(arn)} is not valid; expected a role ARN like arn:aws:iam::123456789012:role/${settings.name}-deploy-${flag.replace('-role', '')}`,
          'init',
        );
    }
    // The production role will trust it by name: a pattern there would be one for every environment.
    environmentList(own['github-environment']);
    const pipArgs = inputs[Inputs.PipArgs]?.trim() || undefined;
    // The workflow is committed: a private index's token in it would be readable by everyone with the repository.
    if (pipArgs && redact(pipArgs) !== pipArgs)
      throw new UsageError(
        `--pip-args: holds a credential (${redact(pipArgs)}), which the committed workflow would show to anyone who reads the repository; ` +
          'expected arguments without it (a token belongs in a GitHub secret, never in a committed file).',
        'init',
      );
    // Not refused: init often comes before `git init`; said once, since only the root's .github is read.
    if (!checkout)
      ctx.logger.info(
        `note: ${here ? 'this folder' : '--dir'}: no git checkout found at ${dir} or above; the workflow must end up at the repository's root (${WORKFLOW_FILE} there): ` +
          'run git init in this folder, or move .github to the root of the repository it will be in.',
      );
    const force = own.force === 'true';
    // A monorepo's second service gets a file of its own: the first one's is never replaced.
    const { file, other } = workflowFileFor(dir, settings.name);
    if (existsSync(join(dir, file)) && !force)
      throw new UsageError(
        `${file} exists already; expected --force to replace it (or edit it by hand).`,
        'init',
      );
    const build = nodeBuild(settings, dir, ctx, checkout);
    // --path from --dir (settings.path), as the workflow's path starts from the checkout's root.
    await warnOfEntryPoint(settings, settings.path, ctx, build);
    const written = writeCallerWorkflow(
      dir,
      {
        name: settings.name,
        awsRegion: region,
        productionRole: own['production-role'],
        previewRole: own['preview-role'],
        environment: own['github-environment'],
        app: settings.app,
        // A guess at what the build writes: the action reads "main" after the build, right or not.
        ...(ctx.flags.handlerGuessed ? { handlerAfterBuild: inputs.handler } : { handler: inputs.handler }),
        path: workflowPath(dir, inputs.path, settings.path),
        build,
        runtime: inputs.runtime,
        gateway: inputs[Inputs.Gateway]?.trim() ? settings.gateway : undefined,
        apiKey: settings.apiKey,
        pipArgs,
        // As written, when given (the defaults otherwise, with the given branches in place of main, master).
        protectedStages:
          inputs[Inputs.ProtectedStages] === undefined ? undefined : settings.protectedStageEntries,
        protectedBranches: branchList(own['protected-branches']),
        repository: gitHubRepository(undefined, dir),
        checkout,
      },
      force,
    );
    return {
      exitCode: 0,
      result: { path: written.path, 'next-steps': written.nextStepsInLine },
      text:
        `Wrote ${written.path}` +
        (other
          ? ` (${WORKFLOW_FILE} deploys ${other}: each project of the repository has a workflow file of its own)`
          : '') +
        `\n\nNext steps:\n${written.nextSteps.join('\n')}`,
    };
  },
};

/**
 * --path as the workflow holds it: from the checkout's root, which is elsewhere
 * on the runner, so an absolute one becomes relative to `dir` (both real: a
 * symlinked temp folder names one folder two ways). The settings checked that
 * `resolved` is inside.
 */
function workflowPath(dir: string, given: string | undefined, resolved: string): string | undefined {
  if (given === undefined || !isAbsolute(given)) return given;
  return relative(realOrResolved(dir), realOrResolved(resolved)) || '.';
}

/**
 * A workflow written below the checkout's root is never run: GitHub reads
 * `.github/workflows` only at the root. The code's folder becomes `--path`, which
 * starts from that root. Returns the checkout's root; undefined outside any.
 */
function refuseBelowCheckout(
  dir: string,
  here: boolean,
  path: string | undefined,
  home: string,
): string | undefined {
  const root = enclosingRepository(dir, home);
  if (root === undefined || root === dir) return root;
  const code = relative(root, resolve(dir, path ?? '.')) || '.';
  throw new UsageError(
    `${here ? 'this folder' : '--dir'}: ${dir} is inside the git checkout ${root}, and GitHub reads workflows only from .github/workflows at its root; ` +
      `expected init run at its root, with --path ${code} (--dir ${root}, or cd ${root}).`,
    'init',
  );
}

/**
 * The workflow's handler or app, checked as a deploy checks it (statically),
 * against the folder as it is now: a warning, since init may come before the
 * code, but a name the module does not define would fail the first deploy.
 * None for a handler's file the workflow's build writes and that is not built yet.
 */
async function warnOfEntryPoint(
  settings: Settings,
  folder: string,
  ctx: CommandContext,
  build: ReturnType<typeof initBuild>,
): Promise<void> {
  const target = handlerTarget(settings.handler, settings.runtime, settings.app);
  // A Node.js handler's sibling files too: another may export the name (an Express app.js beside index.js).
  const siblings = target.python ? [] : shallowFiles(folder).filter((f) => /\.[cm]?js$/.test(f));
  const files = new Map(
    [...target.files.filter((f) => existsSync(join(folder, f))), ...siblings].map((f) => [
      f,
      join(folder, f),
    ]),
  );
  // In the terminal's words: the fix is init's own flag (--app main:api), run again with --force.
  const deps = {
    logger: ctx.logger,
    python: pythonExecutable(ctx.io.env),
    env: ctx.io.env,
    surface: 'terminal' as const,
  };
  try {
    if (await checkHandlerIn(target, files, settings.runtime, deps)) return;
    // What the folder says the entry point is: package.json's "main", an app object a Python file makes.
    const main = target.python ? undefined : packageEntry(folder);
    // The handler's TypeScript built into tsconfig.json's outDir already: that file's handler, as deploys say.
    const typeScript = await typeScriptContext(folder, target, (f) =>
      existsSync(join(folder, f)) ? join(folder, f) : undefined,
    );
    // Not built yet: the workflow's build writes it before each deploy, as the next steps say; unless
    // "main" puts the build's output in another folder (index.handler while tsc writes dist/handler.js),
    // or tsc writes it into outDir (src/index.handler while dist/index.js is there) and the script
    // does not name the file itself (a bundler's --outfile=src/index.js).
    const writes = (file: string, script: string) =>
      (!main || posix.dirname(main.file) === posix.dirname(file)) &&
      (!typeScript.typeScriptBuilt || scriptNamesFile(folder, script, file));
    if (
      build?.command &&
      build.script &&
      build.file &&
      !existsSync(join(folder, build.file)) &&
      writes(build.file, build.script)
    )
      return;
    const present = shallowFiles(folder);
    const apps =
      target.python && !settings.app
        ? await topLevelApps(new Map(present.map((p) => [p, join(folder, p)])), settings.runtime, deps)
        : [];
    if (entryPointElsewhere(target, present) || main || apps.length || typeScript.typeScriptBuilt)
      throw missingModuleError(target, present, folder, false, 'terminal', {
        packageMain: main,
        apps,
        ...typeScript,
        buildCommand: main && buildScriptCommand(folder),
        workflowBuild: { command: build?.command, runsScript: Boolean(build?.script), script: build?.script },
        requirementsInWorkflow: true,
      });
    ctx.logger.warning(
      `${inputName('terminal', target.input)}: ${JSON.stringify(target.value)}: no ${target.files.join(' or ')} in ${folder} yet; the first deploy needs it there (or in the requirements).`,
    );
  } catch (error) {
    if (!(error instanceof HandlerCheckError)) throw error;
    ctx.logger.warning(`${error.message} The workflow is written anyway; its first deploy would fail.`);
  }
}

/**
 * The build a Node.js function's folder needs before packaging (its handler
 * built by a package.json script; a workspace member's dependencies installed
 * at the workspace's root, which init looks for up to `dir`).
 */
function nodeBuild(
  settings: Settings,
  dir: string,
  ctx: CommandContext,
  checkout: boolean,
): ReturnType<typeof initBuild> {
  const target = handlerTarget(settings.handler, settings.runtime, settings.app);
  if (target.python) return undefined;
  const facts = buildFacts(settings.path, target.files, dir);
  const inRepo = (path: string) => relative(realOrResolved(dir), path).split('\\').join('/');
  const manifest = join(settings.path, 'package.json');
  // buildFacts reads it leniently (comments, trailing commas); Node.js and npm do not.
  const own = existsSync(manifest) && packageJsonSyntax(inRepo(manifest), readFileSync(manifest, 'utf8'));
  if (own)
    ctx.logger.warning(
      `${own}: ${UNPARSABLE_PACKAGE_JSON}. The workflow is written anyway; its first deploy would refuse it.`,
    );
  for (const { path, error } of facts.unparsable ?? [])
    ctx.logger.warning(unparsableNote(inRepo(path), error));
  // Outside a checkout git keeps nothing yet: no telling what will be committed.
  const unbuilt = checkout ? unbuiltHandlerNote(facts) : undefined;
  if (unbuilt) ctx.logger.warning(unbuilt);
  return initBuild(facts);
}

/** Folders init never looks into for the entry point: tools', environments' and dependencies'. */
const SKIPPED = /^(\..*|node_modules|__pycache__|venv|env|site-packages)$/;

/** The folder's files three levels deep (`src/shop/app.py`), relative to it: enough to find the entry point's layout. */
function shallowFiles(folder: string, prefix = '', depth = 3): string[] {
  let entries;
  try {
    entries = readdirSync(join(folder, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isFile()) return [path];
    return e.isDirectory() && depth > 1 && !SKIPPED.test(e.name) ? shallowFiles(folder, path, depth - 1) : [];
  });
}
