/**
 * The protected-stages a repository's workflows give lambda-deploy, so that
 * setup, run in the checkout without --protected-stages, trusts the branches
 * those workflows deploy to production (productionBranches). Read line by
 * line, for the forms a workflow holds (init's file, a step of the action, a
 * job of the reusable workflow): a key's value plain, quoted, or a block.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PROTECTED_STAGES } from '../model/protected-stages.js';

/** `org/lambda-deploy@v1` (the action), `org/lambda-deploy/.github/workflows/deploy.yml@v1` (the reusable workflow). */
const LAMBDA_DEPLOY = /^[\w.-]+\/lambda-deploy(?:\/\.github\/workflows\/deploy\.ya?ml)?@/;
const KEY = /^(\s*)(- +)?([\w-]+):\s*(.*)$/;

/** Where a line's key starts, past a list item's dash; undefined for a blank or comment line. */
function keyColumn(line: string): number | undefined {
  const m = KEY.exec(line);
  if (m) return (m[1] as string).length + (m[2]?.length ?? 0);
  return /^\s*(#|$)/.test(line) ? undefined : line.search(/\S/);
}

/** A one-line scalar as YAML reads it: quotes undone, a trailing comment dropped. */
function scalar(text: string): string {
  const single = /^'((?:[^']|'')*)'/.exec(text);
  if (single) return (single[1] as string).replace(/''/g, "'");
  const double = /^"((?:[^"\\]|\\.)*)"/.exec(text);
  if (double) return JSON.parse(`"${double[1] as string}"`) as string;
  return text.replace(/(^|\s+)#.*$/, '').trim();
}

/** The value of the key on line `at` (column `column`): its scalar, or the block below it. */
function valueAt(lines: readonly string[], at: number, column: number, text: string): string {
  const block = /^([|>])[-+]?\s*(#.*)?$/.exec(text);
  if (!block) return scalar(text);
  const body: string[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() && line.search(/\S/) <= column) break;
    body.push(line.trim());
  }
  while (body.length && !body[body.length - 1]) body.pop();
  return body.join(block[1] === '|' ? '\n' : ' ');
}

/** The lines of the mapping whose key `uses:` is on line `at`, at `column`: [first, end). */
function mappingAround(lines: readonly string[], at: number, column: number): [number, number] {
  let first = at;
  while (first > 0 && !/^\s*- /.test(lines[first] as string)) {
    const above = keyColumn(lines[first - 1] as string);
    if (above !== undefined && above < column) break;
    first--;
  }
  let end = at + 1;
  while (end < lines.length) {
    const below = keyColumn(lines[end] as string);
    if (below !== undefined && (below < column || /^\s*- /.test(lines[end] as string))) break;
    end++;
  }
  return [first, end];
}

/** The `protected-stages` of one use's `with:`; the default when not given; undefined for an expression. */
function stagesOfUse(
  lines: readonly string[],
  first: number,
  end: number,
  column: number,
): string | undefined {
  const defaults = DEFAULT_PROTECTED_STAGES.join(',');
  for (let i = first; i < end; i++) {
    const m = KEY.exec(lines[i] as string);
    if (!m || keyColumn(lines[i] as string) !== column || m[3] !== 'with') continue;
    const inline = m[4] as string;
    // A flow mapping, `with: { name: shop, protected-stages: main }`: a quoted value may hold commas.
    if (inline.startsWith('{')) {
      const given = /[{,]\s*protected-stages:\s*('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^,}]*)/.exec(inline);
      return given ? checked(scalar((given[1] as string).trim())) : defaults;
    }
    for (let j = i + 1; j < end; j++) {
      const child = KEY.exec(lines[j] as string);
      const at = keyColumn(lines[j] as string);
      if (at !== undefined && at <= column) break;
      if (child?.[3] === 'protected-stages') return checked(valueAt(lines, j, at!, child[4] as string));
    }
  }
  return defaults;

  // An empty value is the default; an expression is known only when the workflow runs.
  function checked(value: string): string | undefined {
    if (value.includes('${{')) return undefined;
    return value.trim() ? value : defaults;
  }
}

/**
 * What protected-stages each use of lambda-deploy in a workflow file gives,
 * in order (the default where a use sets none); a value that is an
 * expression is left out: it is known only when the workflow runs.
 */
export function protectedStagesIn(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const found: string[] = [];
  lines.forEach((line, at) => {
    const m = KEY.exec(line);
    if (m?.[3] !== 'uses' || !LAMBDA_DEPLOY.test(scalar(m[4] as string))) return;
    const column = keyColumn(line)!;
    const [first, end] = mappingAround(lines, at, column);
    const stages = stagesOfUse(lines, first, end, column);
    if (stages !== undefined) found.push(stages);
  });
  return found;
}

/** Each workflow file of the checkout at `root` that gives lambda-deploy a protected-stages, with the values. */
export function workflowProtectedStages(root: string): { file: string; stages: string[] }[] {
  const folder = join(root, '.github', 'workflows');
  let names: string[];
  try {
    names = readdirSync(folder).filter((n) => /\.ya?ml$/.test(n));
  } catch {
    return [];
  }
  return names
    .sort()
    .map((n) => ({
      file: `.github/workflows/${n}`,
      stages: protectedStagesIn(readFileSync(join(folder, n), 'utf8')),
    }))
    .filter((w) => w.stages.length);
}
