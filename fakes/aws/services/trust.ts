/**
 * The part of IAM policy evaluation STS needs for AssumeRoleWithWebIdentity:
 * does a role's trust policy allow this identity provider and these token
 * claims? Allow statements with a Federated principal and the condition
 * operators trust policies use (StringEquals, StringLike, their negations,
 * ForAnyValue / ForAllValues). An explicit Deny wins.
 */

type Claims = Record<string, unknown>;

interface Statement {
  Effect?: string;
  Principal?:
    { Federated?: string | string[]; Service?: string | string[]; AWS?: string | string[] } | string;
  Action?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** IAM's `*` and `?` wildcards, everything else literal. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(value);
}

function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern.toLowerCase(), action.toLowerCase());
}

/** The values a condition key has for this request: `token.actions.githubusercontent.com:sub` -> claims.sub. */
function keyValues(key: string, issuerHost: string, claims: Claims): string[] {
  const prefix = `${issuerHost}:`;
  if (!key.startsWith(prefix)) return [];
  const claim = key.slice(prefix.length);
  return list(claims[claim] as string | string[] | undefined).map(String);
}

function conditionHolds(operator: string, expected: string[], actual: string[]): boolean {
  const [qualifier, base] = operator.includes(':')
    ? (operator.split(':') as [string, string])
    : ['', operator];
  const test = (value: string) => {
    switch (base.replace(/IfExists$/, '')) {
      case 'StringEquals':
        return expected.includes(value);
      case 'StringLike':
        return expected.some((p) => wildcardMatch(p, value));
      case 'StringNotEquals':
        return !expected.includes(value);
      case 'StringNotLike':
        return !expected.some((p) => wildcardMatch(p, value));
      default:
        return false; // an operator this model does not know never grants
    }
  };
  if (!actual.length) return base.endsWith('IfExists') || qualifier === 'ForAllValues';
  if (qualifier === 'ForAllValues') return actual.every(test);
  return actual.some(test);
}

function statementApplies(
  s: Statement,
  federated: string,
  issuerHost: string,
  claims: Claims,
  action: string,
): boolean {
  const principal = typeof s.Principal === 'object' ? s.Principal : undefined;
  if (!principal || !list(principal.Federated).includes(federated)) return false;
  if (!list(s.Action).some((a) => actionMatches(a, action))) return false;
  return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) =>
      conditionHolds(operator, list(values).map(String), keyValues(key, issuerHost, claims)),
    ),
  );
}

/** Whether the trust policy lets `federated` (an OIDC provider ARN) in with these claims. */
export function trustAllows(
  document: string,
  request: { federated: string; issuerHost: string; claims: Claims; action?: string },
): boolean {
  let statements: Statement[];
  try {
    statements = list((JSON.parse(document) as { Statement?: Statement | Statement[] }).Statement);
  } catch {
    return false;
  }
  const action = request.action ?? 'sts:AssumeRoleWithWebIdentity';
  const applies = (s: Statement) =>
    statementApplies(s, request.federated, request.issuerHost, request.claims, action);
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && applies(s));
}
