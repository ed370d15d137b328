/**
 * The workflow snippets users copy: every ```yaml block of README.md and of
 * the Markdown under examples/, and the workflow files under examples/. Read
 * from the files themselves, so the tests follow the README when it changes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isScalar, parse, parseDocument, Scalar, type Document } from 'yaml';
import { readActionYml } from './action-yml.js';
import { interpolate, type Contexts, type Value } from './workflow-expressions.js';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

export interface Snippet {
  /** `README.md:57 jobs.deploy`: the file, the line the block starts on, and the job. */
  where: string;
  /**
   * `action`: a step `uses: org/lambda-deploy@REF` (its `with:` are the action's inputs);
   * `reusable`: a job `uses: org/lambda-deploy/.github/workflows/deploy.yml@REF` (its `with:` are the workflow's);
   * `fragment`: a block of action inputs shown on their own (e.g. the API key settings).
   */
  kind: 'action' | 'reusable' | 'fragment';
  /** The `uses:` line, for action and reusable. */
  uses?: string;
  /** The `with:` block as the runner passes it: every value a string. */
  with: Record<string, string>;
  /** The inputs of `with` given as YAML block scalars (`environment: |`, `include: >-`). */
  blockScalars: string[];
  /** The job's `if:`, for action and reusable (none: the job runs on every event of the workflow). */
  if?: string;
}

const ACTION_USES = /^[\w.-]+\/lambda-deploy@[\w./-]+$/;
const REUSABLE_USES = /^[\w.-]+\/lambda-deploy\/\.github\/workflows\/deploy\.yml@[\w./-]+$/;

/** YAML scalars as the runner passes them to an action: `true` -> "true", `10` -> "10". */
function asStrings(block: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((block ?? {}) as Record<string, unknown>))
    out[k] = v === null || v === undefined ? '' : String(v);
  return out;
}

/** The keys of a YAML map node whose values are block scalars (`|`, `>`, and their variants). */
function blockScalarKeys(node: unknown): string[] {
  if (!isMap(node)) return [];
  return node.items.flatMap((pair) =>
    isScalar(pair.value) &&
    (pair.value.type === Scalar.BLOCK_LITERAL || pair.value.type === Scalar.BLOCK_FOLDED)
      ? [String(isScalar(pair.key) ? pair.key.value : pair.key)]
      : [],
  );
}

/**
 * The lines of a snippet's block-scalar inputs that carry a `# comment` after
 * a value: a YAML comment everywhere else, but inside `|` or `>` part of the
 * value, so `LAMBDA_DEPLOY_LIFESPAN=auto  # ASGI lifespan` sets
 * "auto  # ASGI lifespan". (A `#` line of its own is skipped by the inputs
 * that take lines, `environment` among them.)
 */
export function commentsInBlockScalars(snippet: Snippet): string[] {
  return snippet.blockScalars.flatMap((input) =>
    (snippet.with[input] ?? '')
      .split('\n')
      .filter((line) => /\S\s+#/.test(line))
      .map((line) => `${snippet.where} ${input}: ${line.trim()}`),
  );
}

function fromDocument(document: Document, where: string, inputNames: Set<string>): Snippet[] {
  if (document.errors.length) throw document.errors[0];
  const doc: unknown = document.toJS();
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return [];
  const found: Snippet[] = [];
  const jobs = (doc as { jobs?: Record<string, Record<string, unknown>> }).jobs;
  if (jobs) {
    for (const [name, job] of Object.entries(jobs)) {
      const at = `${where} jobs.${name}`;
      const uses = typeof job.uses === 'string' ? job.uses : undefined;
      const when = typeof job.if === 'string' ? { if: job.if } : {};
      if (uses && REUSABLE_USES.test(uses))
        found.push({
          where: at,
          kind: 'reusable',
          uses,
          with: asStrings(job.with),
          blockScalars: blockScalarKeys(document.getIn(['jobs', name, 'with'], true)),
          ...when,
        });
      for (const [i, step] of ((job.steps ?? []) as Record<string, unknown>[]).entries()) {
        if (typeof step.uses === 'string' && ACTION_USES.test(step.uses))
          found.push({
            where: at,
            kind: 'action',
            uses: step.uses,
            with: asStrings(step.with),
            blockScalars: blockScalarKeys(document.getIn(['jobs', name, 'steps', i, 'with'], true)),
            ...when,
          });
      }
    }
    return found;
  }
  const keys = Object.keys(doc);
  if (keys.length && keys.every((k) => inputNames.has(k)))
    found.push({
      where,
      kind: 'fragment',
      with: asStrings(doc),
      blockScalars: blockScalarKeys(document.contents),
    });
  return found;
}

function yamlBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ya?ml\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const indent = (open[1] as string).length;
    const body: string[] = [];
    const start = i + 1;
    while (++i < lines.length && !/^\s*```\s*$/.test(lines[i] as string))
      body.push((lines[i] as string).slice(indent));
    blocks.push({ line: start + 1, text: body.join('\n') });
  }
  return blocks;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => join(dir, f)).sort();
}

/** The snippets of README.md and examples/, in file order. */
export function readSnippets(root = REPO_ROOT): Snippet[] {
  const inputNames = new Set(Object.keys(readActionYml().inputs));
  const snippets: Snippet[] = [];
  const markdown = [
    join(root, 'README.md'),
    ...filesUnder(join(root, 'examples')).filter((f) => f.endsWith('.md')),
  ];
  for (const file of markdown) {
    for (const block of yamlBlocks(readFileSync(file, 'utf8')))
      snippets.push(
        ...fromDocument(parseDocument(block.text), `${relative(root, file)}:${block.line}`, inputNames),
      );
  }
  for (const file of filesUnder(join(root, 'examples')).filter((f) => /\.ya?ml$/.test(f)))
    snippets.push(
      ...fromDocument(parseDocument(readFileSync(file, 'utf8')), relative(root, file), inputNames),
    );
  return snippets;
}

export interface WorkflowStep {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, unknown>;
  with?: Record<string, unknown>;
}

export interface WorkflowJob {
  if?: string;
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  steps?: WorkflowStep[];
}

export interface ReusableWorkflow {
  on: { workflow_call: { inputs: Record<string, { type: string; default?: Value; description?: string }> } };
  jobs: Record<string, WorkflowJob>;
}

/** The reusable workflow, parsed. */
export function readReusableWorkflow(root = REPO_ROOT): ReusableWorkflow {
  const text = readFileSync(join(root, '.github/workflows/deploy.yml'), 'utf8');
  // Parsed once per text (the routing tests read it for every event they run); a copy, as a caller may change it.
  let parsed = parsedWorkflows.get(text);
  if (!parsed) parsedWorkflows.set(text, (parsed = parse(text) as ReusableWorkflow));
  return structuredClone(parsed);
}
const parsedWorkflows = new Map<string, ReusableWorkflow>();

/**
 * The reusable workflow's `inputs` context for a caller's `with:`, as the
 * runner builds it: defaults applied, a boolean input as a boolean.
 */
export function reusableWorkflowInputs(
  callerWith: Record<string, string>,
  workflow: ReusableWorkflow = readReusableWorkflow(),
): Record<string, Value> {
  const declared = workflow.on.workflow_call.inputs;
  const unknown = Object.keys(callerWith).filter((k) => !(k in declared));
  if (unknown.length) throw new Error(`the reusable workflow declares no input ${unknown.join(', ')}`);
  const inputs: Record<string, Value> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const given = callerWith[name];
    // Typed inputs: a boolean arrives as a boolean, a string as given.
    inputs[name] =
      given === undefined
        ? (spec.default ?? (spec.type === 'boolean' ? false : ''))
        : spec.type === 'boolean'
          ? given === 'true'
          : given;
  }
  return inputs;
}

/** What the route job tells the jobs that need it, when the default branch is `main` (a protected stage, a production branch) and the run is on it. */
export const ROUTE_ON_MAIN = {
  route: { result: 'success', outputs: { 'default-branch-protected': 'true', 'branch-production': 'true' } },
};

/**
 * The inputs the reusable workflow's `job` passes to the action for a caller's
 * `with:`, its expressions evaluated as the runner would (workflow input
 * defaults applied, `secrets` the caller's (none by default), `github` the
 * event's context, `needs` the outputs of the jobs it needs).
 */
export function reusableWorkflowActionInputs(
  callerWith: Record<string, string>,
  job:
    | 'deploy'
    | 'preview'
    | 'preview-report'
    | 'undeploy-pull-request'
    | 'undeploy-branch'
    | 'prune' = 'deploy',
  root = REPO_ROOT,
  github: Record<string, unknown> = {},
  needs: Record<string, unknown> = ROUTE_ON_MAIN,
  secrets: Record<string, string> = {},
): Record<string, string> {
  const workflow = readReusableWorkflow(root);
  const contexts: Contexts = {
    inputs: reusableWorkflowInputs(callerWith, workflow),
    secrets,
    github,
    needs,
  };
  const step = workflow.jobs[job]?.steps?.find((s) => s.uses && ACTION_USES.test(s.uses));
  if (!step) throw new Error(`job ${job} of the reusable workflow has no lambda-deploy step`);
  return Object.fromEntries(
    Object.entries(asStrings(step.with)).map(([name, value]) => [name, interpolate(value, contexts)]),
  );
}
