import { describe, expect, it } from '@jest/globals';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import {
  strayLogGroup,
  aliasDescription,
  codeNeedsUpdate,
  configFingerprint,
  diffConfig,
  fingerprintOfAlias,
  managedTagValue,
  parseManagedTag,
  planEnvironment,
  tagsToUpdate,
  versionsToDelete,
  type DesiredConfig,
} from '../../../src/resources/function/function-config.js';
import { artifactKey, defaultBucketName } from '../../../src/resources/artifacts/artifact-bucket.js';
import {
  executionPolicy,
  executionRoleName,
  partitionOf,
} from '../../../src/resources/execution-role/execution-role.js';
import { roleSessionName, tokenClaims } from '../../../src/aws/oidc-credentials.js';

const current: FunctionConfiguration = {
  Runtime: 'python3.12',
  Handler: 'app.handler',
  MemorySize: 256,
  Timeout: 30,
  Architectures: ['x86_64'],
  Layers: [
    { Arn: 'arn:aws:lambda:eu-west-1:123456789012:layer:a:1' },
    { Arn: 'arn:aws:lambda:eu-west-1:123456789012:layer:b:2' },
  ],
  Environment: { Variables: { A: '1', B: '2' } },
  Role: 'arn:aws:iam::123456789012:role/r',
  Description: 'd',
  CodeSha256: 'abc=',
};
const desired: DesiredConfig = {
  runtime: 'python3.12',
  handler: 'app.handler',
  memory: 256,
  timeout: 30,
  architecture: 'x86_64',
  layers: [
    'arn:aws:lambda:eu-west-1:123456789012:layer:a:1',
    'arn:aws:lambda:eu-west-1:123456789012:layer:b:2',
  ],
  environment: { B: '2', A: '1' },
  roleArn: 'arn:aws:iam::123456789012:role/r',
  description: 'd',
};

describe('diffConfig', () => {
  it.each<[string, Partial<DesiredConfig>, string[]]>([
    ['nothing (environment order does not matter)', {}, []],
    ['runtime', { runtime: 'python3.13' }, ['runtime']],
    ['handler', { handler: 'main.handler' }, ['handler']],
    ['memory', { memory: 512 }, ['memory']],
    ['timeout', { timeout: 60 }, ['timeout']],
    ['layer order', { layers: [...desired.layers].reverse() }, ['layers']],
    ['a layer removed', { layers: desired.layers.slice(0, 1) }, ['layers']],
    ['an environment value', { environment: { A: '1', B: '3' } }, ['environment']],
    ['an environment key removed', { environment: { A: '1' } }, ['environment']],
    ['role', { roleArn: 'arn:aws:iam::123456789012:role/other' }, ['role']],
    ['description', { description: 'new' }, ['description']],
    ['architecture alone is not configuration', { architecture: 'arm64' }, []],
    ['several', { memory: 1024, timeout: 5, handler: 'x.y' }, ['handler', 'memory', 'timeout']],
  ])('%s', (_name, change, fields) => {
    expect(diffConfig(current, { ...desired, ...change })).toEqual(fields);
  });

  it('treats missing Environment/Layers/Description as empty', () => {
    const bare: FunctionConfiguration = {
      ...current,
      Environment: undefined,
      Layers: undefined,
      Description: undefined,
    };
    expect(diffConfig(bare, { ...desired, environment: {}, layers: [], description: '' })).toEqual([]);
  });
});

describe("strayLogGroup: logs in another function's group of the project go back", () => {
  it.each([
    [undefined, false],
    ['/aws/lambda/shop-main', false],
    ['/aws/lambda/shop-pr-7', true],
    ['/aws/lambda/shop-main-old', true],
    ['/aws/lambda/shopfront-main', false],
    ['/teams/shop', false],
  ])('%s -> %s', (group, stray) => {
    expect(strayLogGroup(group, 'shop-main', 'shop')).toBe(stray);
  });
});

describe('codeNeedsUpdate', () => {
  it.each([
    ['abc=', 'x86_64', false],
    ['xyz=', 'x86_64', true],
    ['abc=', 'arm64', true],
  ] as const)('sha %s arch %s -> %s', (sha, arch, expected) => {
    expect(codeNeedsUpdate(current, sha, arch)).toBe(expected);
  });
  it('a function without Architectures is x86_64', () => {
    expect(codeNeedsUpdate({ ...current, Architectures: undefined }, 'abc=', 'x86_64')).toBe(false);
  });
});

describe('planEnvironment: keep what others set, remove what we set and the workflow dropped', () => {
  it.each<
    [
      string,
      Record<string, string>,
      Record<string, string>,
      string[] | undefined,
      Record<string, string>,
      string[],
      string[],
    ]
  >([
    ['first deploy', {}, { A: '1' }, undefined, { A: '1' }, [], []],
    [
      'console-set variable kept',
      { A: '1', SECRET: 's' },
      { A: '2' },
      ['A'],
      { A: '2', SECRET: 's' },
      ['SECRET'],
      [],
    ],
    [
      'our variable removed from the workflow is removed',
      { A: '1', B: '2' },
      { A: '1' },
      ['A', 'B'],
      { A: '1' },
      [],
      ['B'],
    ],
    [
      'no tag yet (older function): nothing is removed',
      { A: '1', B: '2' },
      { A: '1' },
      undefined,
      { A: '1', B: '2' },
      ['B'],
      [],
    ],
    ['workflow takes over a console-set key', { X: 'old' }, { X: 'new' }, [], { X: 'new' }, [], []],
    ['everything removed from the workflow', { A: '1', O: 'o' }, {}, ['A'], { O: 'o' }, ['O'], ['A']],
  ])('%s', (_name, cur, wanted, managed, variables, kept, removed) => {
    const plan = planEnvironment(cur, wanted, managed);
    expect(plan.variables).toEqual(variables);
    expect(plan.kept).toEqual(kept);
    expect(plan.removed).toEqual(removed);
    expect(parseManagedTag(plan.managedTag)).toEqual(Object.keys(wanted).sort());
  });

  it('names that do not fit the 256-character tag are left untracked (so they are later kept, never lost)', () => {
    const wanted = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`VARIABLE_NUMBER_${String(i).padStart(2, '0')}`, 'v']),
    );
    const plan = planEnvironment({}, wanted, undefined);
    expect(plan.managedTag.length).toBeLessThanOrEqual(256);
    expect(plan.untracked.length).toBeGreaterThan(0);
    const tracked = parseManagedTag(plan.managedTag)!;
    expect([...tracked, ...plan.untracked].sort()).toEqual(Object.keys(wanted).sort());
    // Next deploy drops an untracked name from the workflow: it is kept, not removed.
    const dropped = plan.untracked[0]!;
    const { [dropped]: _gone, ...rest } = wanted;
    const next = planEnvironment(wanted, rest, tracked);
    expect(next.kept).toEqual([dropped]);
    expect(next.removed).toEqual([]);
  });

  it('tag values use only characters AWS accepts in a tag value', () => {
    expect(managedTagValue(['B', 'A_1', 'C']).value).toBe('A_1 B C');
    expect(managedTagValue(['B', 'A_1', 'C']).value).toMatch(/^[\p{L}\p{N}\p{Zs}_.:/=+\-@]*$/u);
    expect(parseManagedTag(undefined)).toBeUndefined();
    expect(parseManagedTag('')).toEqual([]);
  });
});

describe('tagsToUpdate', () => {
  it('returns only missing or different tags', () => {
    expect(tagsToUpdate({ a: '1', b: '2', other: 'x' }, { a: '1', b: '3', c: '' })).toEqual({
      b: '3',
      c: '',
    });
    expect(tagsToUpdate(undefined, { a: '1' })).toEqual({ a: '1' });
  });
});

describe('configFingerprint and the alias description', () => {
  it('changes with code, config and environment values, not with key order or description', () => {
    const base = configFingerprint(current);
    expect(configFingerprint({ ...current, Environment: { Variables: { B: '2', A: '1' } } })).toBe(base);
    expect(configFingerprint({ ...current, Description: 'other' })).toBe(base);
    expect(configFingerprint({ ...current, CodeSha256: 'x' })).not.toBe(base);
    expect(configFingerprint({ ...current, Environment: { Variables: { A: '1', B: '3' } } })).not.toBe(base);
    expect(configFingerprint({ ...current, Architectures: ['arm64'] })).not.toBe(base);
    expect(configFingerprint({ ...current, MemorySize: 512 })).not.toBe(base);
  });
  it('round-trips through the alias description; other descriptions have none', () => {
    const fp = configFingerprint(current);
    expect(fingerprintOfAlias(aliasDescription(fp))).toBe(fp);
    expect(fingerprintOfAlias('lambda-deploy pointed')).toBeUndefined();
    expect(fingerprintOfAlias(undefined)).toBeUndefined();
  });
});

describe('versionsToDelete', () => {
  const versions = ['1', '2', '3', '4', '5', '6', '7', '10'];
  it.each<[number, string[], string[]]>([
    [5, [], ['1', '2', '3']],
    [5, ['2'], ['1', '3']],
    [3, ['10', '2'], ['1', '3', '4', '5']],
    [20, [], []],
    [1, ['10', '7'], ['1', '2', '3', '4', '5', '6']],
  ])('keep %i, protect %j', (keep, protect, expected) => {
    expect(versionsToDelete([...versions, '$LATEST'], keep, protect)).toEqual(expected);
  });
});

describe('names', () => {
  it('role session names fit STS', () => {
    expect(roleSessionName('123456')).toBe('lambda-deploy-123456');
    expect(roleSessionName(undefined)).toBe('lambda-deploy');
    expect(roleSessionName('a b/c')).toBe('lambda-deploy-a-b-c');
    expect(roleSessionName('9'.repeat(100))).toHaveLength(64);
    expect(roleSessionName('9'.repeat(100))).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
  it('role names fit IAM, long ones get a hash', () => {
    expect(executionRoleName('shop')).toBe('shop-lambda-deploy');
    const long = executionRoleName('p'.repeat(60));
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).not.toBe(executionRoleName('p'.repeat(61)));
  });
  it('bucket, key and partition', () => {
    expect(defaultBucketName('123456789012', 'ap-southeast-2')).toBe(
      'lambda-deploy-123456789012-ap-southeast-2',
    );
    expect(artifactKey('shop', 'ab12')).toBe('lambda-deploy/shop/ab12.zip');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('eu-west-1')).toBe('aws');
  });
  it('the execution policy allows only the project log groups', () => {
    const doc = JSON.parse(executionPolicy('shop', '123456789012')) as {
      Statement: { Action: string[]; Resource: string[] }[];
    };
    expect(doc.Statement).toHaveLength(1);
    expect(doc.Statement[0]!.Action).toEqual([
      'logs:CreateLogGroup',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(doc.Statement[0]!.Resource).toEqual([
      'arn:aws:logs:*:123456789012:log-group:/aws/lambda/shop-*',
      'arn:aws:logs:*:123456789012:log-group:/aws/lambda/shop-*:*',
    ]);
  });
  it('decodes token claims without the signature', () => {
    const payload = Buffer.from(
      JSON.stringify({ sub: 'repo:o/r:ref:refs/heads/main', aud: ['sts.amazonaws.com'], secret: 'x' }),
    ).toString('base64url');
    expect(tokenClaims(`h.${payload}.sig`)).toEqual({
      sub: 'repo:o/r:ref:refs/heads/main',
      aud: 'sts.amazonaws.com',
    });
    expect(tokenClaims('garbage')).toEqual({});
  });
});
