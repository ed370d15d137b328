import { EXECUTION_POLICY_SIDS, type PolicyStatement } from '../model/policy-document.js';

/**
 * The `policy-statements` input: IAM statements added to the execution roles'
 * policy (and, by `setup`, to their permissions boundary). Checked here the
 * way IAM checks an identity policy: IAM refuses a bad one only when the
 * policy is written, half-way through `setup` or a production deploy.
 */

const KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
/** IAM's Sid alphabet. */
const SID = /^[A-Za-z0-9]+$/;
/** `service:Action`, with * and ? wildcards, or `*`. */
const ACTION = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;
/** An ARN (policy variables allowed) or `*`. */
const RESOURCE = /^(\*|arn:.+)$/;

const EXAMPLE =
  '{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}';

export const POLICY_STATEMENTS_EXPECTED = `a JSON IAM statement or array of statements, each with Effect ("Allow" or "Deny"), Action (or NotAction) and Resource (or NotResource), like ${EXAMPLE}`;

export type PolicyStatementsResult = { statements: PolicyStatement[] } | { problems: string[] };

/** The statements, or what is wrong with them: each problem names its statement and quotes the part at fault (the caller adds the expected form). */
export function parsePolicyStatements(text: string): PolicyStatementsResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problems: [`is not JSON (${(error as Error).message})`] };
  }
  if (isObject(parsed) && 'Statement' in parsed && !('Effect' in parsed))
    return { problems: ['is a whole policy document; give the statements only (its "Statement" value)'] };
  const list: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) return { problems: ['is an empty list'] };
  const problems: string[] = [];
  const sids = new Set<string>();
  list.forEach((statement, index) => {
    const where = `statement ${index + 1}`;
    if (!isObject(statement)) {
      problems.push(`${where} is ${describe(statement)}, not an object`);
      return;
    }
    const named = typeof statement.Sid === 'string' ? `${where} (${statement.Sid})` : where;
    for (const problem of statementProblems(statement, sids)) problems.push(`${named} ${problem}`);
  });
  return problems.length ? { problems } : { statements: list as PolicyStatement[] };
}

function statementProblems(s: Record<string, unknown>, sids: Set<string>): string[] {
  const problems: string[] = [];
  const unknown = Object.keys(s).filter((k) => !KEYS.has(k));
  if (unknown.includes('Principal') || unknown.includes('NotPrincipal'))
    problems.push("names a Principal, which a role's own policy cannot (the role is the principal)");
  else if (unknown.length)
    problems.push(`has ${unknown.map((k) => JSON.stringify(k)).join(', ')}, not an IAM statement element`);
  if ('Sid' in s) {
    if (typeof s.Sid !== 'string' || !SID.test(s.Sid))
      problems.push(`has the Sid ${describe(s.Sid)} (not ASCII letters and digits only)`);
    else if ((Object.values(EXECUTION_POLICY_SIDS) as string[]).includes(s.Sid))
      problems.push(`has the Sid "${s.Sid}", which lambda-deploy's own statements use`);
    else if (sids.has(s.Sid)) problems.push(`has the Sid "${s.Sid}" of an earlier statement`);
    else sids.add(s.Sid);
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny')
    problems.push(`has ${'Effect' in s ? `the Effect ${describe(s.Effect)}` : 'no Effect'}`);
  problems.push(...elementProblems(s, 'Action', 'NotAction', ACTION, 'service:Action or *'));
  problems.push(...elementProblems(s, 'Resource', 'NotResource', RESOURCE, 'an ARN or *'));
  if ('Condition' in s && !(isObject(s.Condition) && Object.values(s.Condition).every(isObject)))
    problems.push(
      'has a Condition that is not an object of operators, like {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}',
    );
  return problems;
}

/** Exactly one of `name` and `notName`: a string or a non-empty list of strings of the given form. */
function elementProblems(
  s: Record<string, unknown>,
  name: string,
  notName: string,
  form: RegExp,
  formName: string,
): string[] {
  const given = [name, notName].filter((k) => k in s);
  if (given.length !== 1) return [given.length ? `has both ${name} and ${notName}` : `has no ${name}`];
  const key = given[0] as string;
  const value = s[key];
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) return [`has an empty ${key} list`];
  const bad = values.filter((v) => typeof v !== 'string' || !form.test(v));
  return bad.length ? [`has the ${key} ${bad.map(describe).join(', ')} (not ${formName})`] : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  // Values come from JSON.parse: never undefined.
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 80)}…` : json;
}
