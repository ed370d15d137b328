/**
 * Lambda resource-policy statements: what we need versus what GetPolicy
 * returns. Pure, no I/O.
 */

/** The statement ids we own, one per purpose; undeploy removes them by these ids. */
export const PermissionIds = {
  /** apigateway.amazonaws.com invokes the alias, from this stage's HTTP API. */
  httpApi: 'lambda-deploy-http-api',
  /** apigateway.amazonaws.com invokes the alias, from this stage's REST API. */
  restApi: 'lambda-deploy-rest-api',
  /** `lambda:InvokeFunctionUrl` for everyone, auth type NONE. */
  functionUrl: 'lambda-deploy-function-url',
  /** `lambda:InvokeFunction` for everyone, only through the function URL (required since October 2025). */
  functionUrlInvoke: 'lambda-deploy-function-url-invoke',
} as const;

export interface PermissionSpec {
  statementId: string;
  action: 'lambda:InvokeFunction' | 'lambda:InvokeFunctionUrl';
  /** A service principal like `apigateway.amazonaws.com`, or `*`. */
  principal: string;
  sourceArn?: string;
  functionUrlAuthType?: 'NONE' | 'AWS_IAM';
  invokedViaFunctionUrl?: boolean;
}

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of a GetPolicy `Policy` document; [] for an empty or unreadable one. */
export function parsePolicy(policy: string | undefined): PolicyStatement[] {
  if (!policy) return [];
  try {
    const doc = JSON.parse(policy) as { Statement?: PolicyStatement | PolicyStatement[] };
    const s = doc.Statement;
    return Array.isArray(s) ? s : s ? [s] : [];
  } catch {
    return [];
  }
}

function asList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function principalMatches(principal: unknown, wanted: string): boolean {
  if (wanted === '*') {
    return principal === '*' || asList((principal as { AWS?: unknown } | undefined)?.AWS).includes('*');
  }
  if (principal && typeof principal === 'object') {
    return asList((principal as { Service?: unknown }).Service).includes(wanted);
  }
  return false;
}

/** Condition keys (lower-cased, operator dropped) to their one value, as strings. */
function flatConditions(condition: PolicyStatement['Condition']): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of Object.values(condition ?? {})) {
    for (const [key, value] of Object.entries(block ?? {})) {
      const list = Array.isArray(value) ? value : [value];
      out.set(key.toLowerCase(), list.map((v) => String(v)).join(','));
    }
  }
  return out;
}

function wantedConditions(spec: PermissionSpec): Map<string, string> {
  const out = new Map<string, string>();
  if (spec.sourceArn) out.set('aws:sourcearn', spec.sourceArn);
  if (spec.functionUrlAuthType) out.set('lambda:functionurlauthtype', spec.functionUrlAuthType);
  if (spec.invokedViaFunctionUrl) out.set('lambda:invokedviafunctionurl', 'true');
  return out;
}

/** True when `statement` grants exactly what `spec` asks for (whatever its Sid). */
export function statementMatches(statement: PolicyStatement, spec: PermissionSpec): boolean {
  if ((statement.Effect ?? 'Allow') !== 'Allow') return false;
  if (!asList(statement.Action).includes(spec.action)) return false;
  if (!principalMatches(statement.Principal, spec.principal)) return false;
  const have = flatConditions(statement.Condition);
  const want = wantedConditions(spec);
  if (have.size !== want.size) return false;
  for (const [k, v] of want) if (have.get(k) !== v) return false;
  return true;
}

export type PermissionAction = { kind: 'keep' } | { kind: 'add' } | { kind: 'replace' };

/**
 * What to do for one spec: keep (some statement already grants it, so no
 * duplicate is added), replace (our statement id holds something else: the
 * source ARN of a deleted API, or another principal or API a pull request's
 * credentials put there while the stage was a preview; it goes even when
 * another statement grants what we need), or add.
 */
export function permissionAction(statements: PolicyStatement[], spec: PermissionSpec): PermissionAction {
  const ours = statements.find((s) => s.Sid === spec.statementId);
  if (ours && !statementMatches(ours, spec)) return { kind: 'replace' };
  if (statements.some((s) => statementMatches(s, spec))) return { kind: 'keep' };
  return { kind: 'add' };
}

/**
 * The statements lambda-deploy did not write (by their ids), each described
 * as `Sid (Principal may Action[, from SourceArn])` for a warning.
 */
export function foreignStatements(statements: PolicyStatement[]): string[] {
  const ours = new Set<string>(Object.values(PermissionIds));
  return statements
    .filter((s) => !ours.has(s.Sid ?? ''))
    .map((s) => {
      const principal = typeof s.Principal === 'string' ? s.Principal : JSON.stringify(s.Principal ?? '');
      const source = flatConditions(s.Condition).get('aws:sourcearn');
      return `${s.Sid ?? '(no id)'} (${principal} may ${asList(s.Action).join(', ')}${source ? `, from ${source}` : ''})`;
    });
}
