/**
 * `policy-statements`: refused here, naming the statement and what is wrong,
 * in the cases IAM would refuse at PutRolePolicy (after `setup` made roles).
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXECUTION_POLICY_SIDS } from '../../src/model/policy-document.js';
import { executionRolePolicy } from '../../src/resources/execution-role/execution-policy.js';
import { parsePolicyStatements } from '../../src/settings/policy-statements.js';
import { readSettings } from '../../src/settings/settings.js';
import { settingsProblems } from '../support/settings-problems.js';

const table = { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: 'arn:aws:dynamodb:*:*:table/orders' };

/** Of the value as JSON; a string is taken as the raw input text. */
function problems(value: unknown): string[] {
  const result = parsePolicyStatements(typeof value === 'string' ? value : JSON.stringify(value));
  return 'problems' in result ? result.problems : [];
}

describe('parsePolicyStatements', () => {
  test.each<[string, unknown]>([
    ['one statement', table],
    ['a list', [table, { ...table, Effect: 'Deny', Action: ['dynamodb:DeleteItem', 'dynamodb:Put*'] }]],
    ['NotAction and NotResource', { Effect: 'Deny', NotAction: 's3:Get?bject', NotResource: '*' }],
    ['wildcards', { Effect: 'Allow', Action: '*', Resource: '*' }],
    [
      'a service with a hyphen',
      { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:*' },
    ],
    [
      'a policy variable',
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/team}/*' },
    ],
    [
      'Sids and a Condition',
      [
        { ...table, Sid: 'ReadOrders1' },
        { ...table, Sid: 'ReadOrders2', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
      ],
    ],
  ])('accepts %s, as given', (_title, value) => {
    const result = parsePolicyStatements(JSON.stringify(value));
    expect(result).toEqual({ statements: Array.isArray(value) ? value : [value] });
  });

  test.each<[string, unknown, string]>([
    ['not JSON', '{"Effect": "Allow",', 'is not JSON ('],
    ['a whole policy document', { Version: '2012-10-17', Statement: [table] }, 'is a whole policy document'],
    ['an empty list', [], 'is an empty list'],
    ['a string', '"s3:GetObject"', 'statement 1 is "s3:GetObject", not an object'],
    ['null in a list', [table, null], 'statement 2 is null, not an object'],
    ['a nested list', [[table]], 'statement 1 is a list, not an object'],
    ['no Effect', { Action: 's3:GetObject', Resource: '*' }, 'statement 1 has no Effect'],
    ['a lower-case Effect', { ...table, Effect: 'allow' }, 'statement 1 has the Effect "allow"'],
    ['no Action', { Effect: 'Allow', Resource: '*' }, 'statement 1 has no Action'],
    ['no Resource', { Effect: 'Allow', Action: 's3:GetObject' }, 'statement 1 has no Resource'],
    ['Action and NotAction', { ...table, NotAction: 's3:*' }, 'statement 1 has both Action and NotAction'],
    [
      'Resource and NotResource',
      { ...table, NotResource: '*' },
      'statement 1 has both Resource and NotResource',
    ],
    ['an empty Action list', { ...table, Action: [] }, 'statement 1 has an empty Action list'],
    [
      'an action without its service',
      { ...table, Action: 'GetItem' },
      'statement 1 has the Action "GetItem" (not service:Action or *)',
    ],
    [
      'a number as action',
      { ...table, Action: ['s3:GetObject', 7] },
      'statement 1 has the Action 7 (not service:Action or *)',
    ],
    [
      'a bare resource name',
      { ...table, Resource: 'orders' },
      'statement 1 has the Resource "orders" (not an ARN or *)',
    ],
    [
      'an empty NotResource',
      { ...table, Resource: undefined, NotResource: '' },
      'statement 1 has the NotResource "" (not an ARN or *)',
    ],
    [
      'a Principal',
      { ...table, Principal: { AWS: '*' } },
      "statement 1 names a Principal, which a role's own policy cannot",
    ],
    ['a NotPrincipal', { ...table, NotPrincipal: '*' }, 'statement 1 names a Principal'],
    [
      'an unknown element',
      { ...table, Resources: '*' },
      'statement 1 has "Resources", not an IAM statement element',
    ],
    [
      'two unknown elements',
      { ...table, Resources: '*', Actions: '*' },
      'statement 1 has "Resources", "Actions", not an IAM statement element',
    ],
    [
      'a statement with a Statement element',
      { ...table, Statement: [] },
      'statement 1 has "Statement", not an IAM statement element',
    ],
    [
      'two bad actions',
      { ...table, Action: ['GetItem', 's3:GetObject', 'PutItem'] },
      'statement 1 has the Action "GetItem", "PutItem" (not service:Action or *)',
    ],
    [
      'an action in a nested list',
      { ...table, Action: [['s3:GetObject']] },
      'statement 1 has the Action a list',
    ],
    [
      'a Condition with one operator that is not an object',
      { ...table, Condition: { Bool: { 'aws:SecureTransport': 'true' }, StringEquals: 'x' } },
      'statement 1 has a Condition that is not an object of operators',
    ],
    [
      'a Sid with a hyphen',
      { ...table, Sid: 'read-orders' },
      'statement 1 (read-orders) has the Sid "read-orders" (not ASCII letters and digits only)',
    ],
    [
      'a Sid that is a number',
      { ...table, Sid: 1 },
      'statement 1 has the Sid 1 (not ASCII letters and digits only)',
    ],
    [
      'a Sid used twice',
      [
        { ...table, Sid: 'A' },
        { ...table, Sid: 'A' },
      ],
      'statement 2 (A) has the Sid "A" of an earlier statement',
    ],
    [
      'a Condition that is a string',
      { ...table, Condition: 'aws:SecureTransport' },
      'statement 1 has a Condition that is not an object of operators',
    ],
    [
      'a Condition operator that is a list',
      { ...table, Condition: { Bool: ['true'] } },
      'statement 1 has a Condition',
    ],
  ])('refuses %s', (_title, value, expected) => {
    const found = problems(value);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });

  test.each(Object.values(EXECUTION_POLICY_SIDS))(
    'refuses the Sid %s, which our own statements use',
    (sid) => {
      expect(problems({ ...table, Sid: sid })).toEqual([
        `statement 1 (${sid}) has the Sid "${sid}", which lambda-deploy's own statements use`,
      ]);
      // The names kept in the model are the ones the execution policy writes.
      const ours = executionRolePolicy('shop', '123456789012', [], {
        bucket: 'b',
        kind: 'preview',
        protectedStages: ['main'],
      });
      expect(ours.Statement.map((s) => s.Sid)).toContain(sid);
    },
  );

  test('every problem of every statement is listed, in order', () => {
    expect(problems([table, { Effect: 'Permit' }, { ...table, Sid: 'x-1', Principal: '*' }])).toEqual([
      'statement 2 has the Effect "Permit"',
      'statement 2 has no Action',
      'statement 2 has no Resource',
      "statement 3 (x-1) names a Principal, which a role's own policy cannot (the role is the principal)",
      'statement 3 (x-1) has the Sid "x-1" (not ASCII letters and digits only)',
    ]);
  });

  test('a value is shown whole up to 80 characters of JSON, then cut', () => {
    const [whole] = problems({ ...table, Resource: 'x'.repeat(78) });
    expect(whole).toBe(`statement 1 has the Resource "${'x'.repeat(78)}" (not an ARN or *)`);
    const [cut] = problems({ ...table, Resource: 'x'.repeat(500) });
    expect(cut).toMatch(/^statement 1 has the Resource "x{79}… \(not an ARN or \*\)$/);
  });
});

describe('the policy-statements input', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'policy-statements-'));
  const read = (inputs: Record<string, string>) =>
    readSettings((name) => inputs[name], { GITHUB_WORKSPACE: workspace } as NodeJS.ProcessEnv);
  const problemsOf = (inputs: Record<string, string>): string[] => settingsProblems(() => read(inputs));

  test('unset or blank: no statements', () => {
    expect(read({ name: 'shop' }).policyStatements).toBeUndefined();
    expect(read({ name: 'shop', 'policy-statements': ' \n' }).policyStatements).toBeUndefined();
  });

  test('valid: the statements, one or a list, with the surrounding blanks a YAML block leaves', () => {
    expect(
      read({ name: 'shop', 'policy-statements': `\n${JSON.stringify(table)}\n` }).policyStatements,
    ).toEqual([table]);
    expect(
      read({ name: 'shop', 'policy-statements': JSON.stringify([table, table]) }).policyStatements,
    ).toEqual([table, table]);
  });

  test('one problem for the input, naming it, each statement at fault, and the expected form', () => {
    const found = problemsOf({
      name: 'shop',
      'policy-statements': JSON.stringify([table, { Effect: 'Allow', Action: 'dynamodb' }]),
    });
    expect(found).toEqual([
      'policy-statements: statement 2 has the Action "dynamodb" (not service:Action or *); statement 2 has no Resource; ' +
        'expected a JSON IAM statement or array of statements, each with Effect ("Allow" or "Deny"), Action (or NotAction) ' +
        'and Resource (or NotResource), like {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": ' +
        '"arn:aws:dynamodb:us-east-1:123456789012:table/orders"}.',
    ]);
  });

  test('with execution-role-arn: refused, valid statements or not', () => {
    const role = 'arn:aws:iam::123456789012:role/mine';
    const conflict =
      /^policy-statements: only applies to the role the action manages, but execution-role-arn is set/;
    expect(
      problemsOf({ name: 'shop', 'execution-role-arn': role, 'policy-statements': JSON.stringify(table) }),
    ).toEqual([expect.stringMatching(conflict)]);
    expect(problemsOf({ name: 'shop', 'execution-role-arn': role, 'policy-statements': '[]' })).toEqual([
      expect.stringMatching(conflict),
      expect.stringMatching(/^policy-statements: is an empty list; expected/),
    ]);
  });
});

test("README's policy statements pass the check", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((m) => (m[1] as string).replace(/^ {3}/gm, ''))
    .filter((text) => text.includes('"Effect"'));
  expect(blocks.length).toBeGreaterThan(0);
  for (const text of blocks) expect(parsePolicyStatements(text)).toHaveProperty('statements');
});
