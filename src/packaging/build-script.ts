/**
 * The command that runs a Node.js function's package.json build script
 * (`npm run build`; pnpm's or yarn's where their lockfile pins the folder):
 * what an error about a handler not built yet tells the user to run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePackageJson } from '../settings/package-json.js';
import type { Surface } from '../settings/surface.js';
import { nodeLockfile } from './node-lockfile.js';

/** `npm run build` for a package.json with a build script in `dir`; undefined without one (or without a package.json). */
export function buildScriptCommand(dir: string): string | undefined {
  const build = packageScript(dir, 'build');
  if (!build?.trim()) return undefined;
  return `${nodeLockfile(dir)?.manager ?? 'npm'} run build`;
}

/** package.json's script `name` in `dir`; undefined without one (or without a package.json that parses). */
function packageScript(dir: string, name: string): string | undefined {
  let manifest: { scripts?: Record<string, unknown> } | null;
  try {
    manifest = parsePackageJson(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof manifest;
  } catch {
    return undefined;
  }
  // A package.json of null parses: not an object, no scripts (its own check says so, not a TypeError here).
  const script = manifest?.scripts?.[name];
  return typeof script === 'string' ? script : undefined;
}

/**
 * Whether package.json's `script` in `dir` names `file` as a word (a bundler's
 * `--outfile=src/index.js`): it writes that file itself, whatever tsconfig.json's outDir holds.
 */
export function scriptNamesFile(dir: string, script: string, file: string): boolean {
  const text = packageScript(dir, script);
  const name = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return typeof text === 'string' && new RegExp(`(^|[\\s='"]|\\./)${name}($|[\\s'";&|])`).test(text);
}

/** What the workflow init wrote does to build the handler's file (init's warnings only). */
export interface WorkflowBuild {
  /** The workflow's build, as written; undefined when init wrote none. */
  command?: string;
  /** Whether that build runs the package.json script that writes the handler (not only an install). */
  runsScript: boolean;
  /** The package.json script that writes the handler (`build`, `prepare`), written into the build or not. */
  script?: string;
  /** The file not built yet (package.json's "main"), to commit instead. */
  file: string;
}

/**
 * "build it first", and where (pure): the action has no build of its own, so the reusable
 * workflow's `build` input (which init writes) or a step before the action; the CLI builds
 * nothing either, so the command before it; init, what the workflow it wrote does about it.
 * `command`: buildScriptCommand()'s.
 */
export function buildFirstAdvice(
  surface: Surface | undefined,
  command: string | undefined,
  workflow?: WorkflowBuild,
): string {
  if (workflow) return workflowBuildAdvice(workflow, command);
  if (surface === 'terminal')
    return command
      ? `build it first: run ${command} there, then this command again`
      : 'build it first, then run this command again';
  const where = command ? ' after the install (init writes it)' : '';
  return `build it first${command ? ` (${command})` : ''}: with the reusable workflow, in its build input${where}; calling the action directly, in a step before it`;
}

/** init's advice: true for the workflow it wrote, which has a build that writes the file, or none (and why). */
function workflowBuildAdvice(workflow: WorkflowBuild, command: string | undefined): string {
  if (workflow.command && workflow.runsScript)
    return `the workflow's build, which init wrote (${workflow.command}), builds it before each deploy`;
  // A prepare script builds it too: no build script then is not why the workflow has none.
  if (!command && !workflow.script)
    return `package.json has no build script, so the workflow init wrote builds nothing: add one ("build": "tsc") and run init again with --force, or commit ${workflow.file}`;
  const run = command ?? `package.json's ${workflow.script} script`;
  return `the workflow init wrote has no build to run ${run} (its next steps say why): give it a build input that does, or commit ${workflow.file}`;
}
