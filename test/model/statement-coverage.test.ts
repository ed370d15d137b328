import { describe, expect, it } from '@jest/globals';
import { canonicalJson, coveredByBoundary, patternCovers } from '../../src/model/statement-coverage.js';

const allow = (Action: unknown, Resource: unknown, extra: object = {}) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const BUCKET = 'arn:aws:s3:::orders';

describe('patternCovers: IAM patterns, one inside the other', () => {
  it.each([
    ['s3:*', 's3:GetObject', true, true],
    ['s3:*', 's3:Get*', true, true],
    ['s3:Get*', 's3:*', true, false],
    ['s3:Get*', 's3:GetObject', true, true],
    ['s3:Get*', 's3:PutObject', true, false],
    ['S3:getobject', 's3:GetObject', true, true],
    // ? is one character, never a * standing for many.
    ['s3:GetObjec?', 's3:GetObject', true, true],
    ['s3:GetObjec?', 's3:GetObjec*', true, false],
    ['s3:GetObjec?', 's3:GetObjec?', true, true],
    ['s3:GetObject', 's3:GetObjectTagging', true, false],
    // ARNs keep their case; their punctuation is literal.
    [`${BUCKET}/*`, `${BUCKET}/in/a.json`, false, true],
    [`${BUCKET}/*`, `${BUCKET.toUpperCase()}/a`, false, false],
    [`${BUCKET}/*`, 'arn:aws:s3:::ordersX/a', false, false],
    ['arn:aws:s3:::a.b', 'arn:aws:s3:::aXb', false, false],
    ['arn:aws:s3:::a(b)+', 'arn:aws:s3:::a(b)+', false, true],
    ['*', 'arn:aws:sqs:us-east-1:123456789012:q', false, true],
  ])('%s covers %s (ignore case %s): %s', (outer, inner, ignoreCase, expected) => {
    expect(patternCovers(outer, inner, ignoreCase)).toBe(expected);
  });
});

describe('coveredByBoundary', () => {
  const boundary = [
    allow(['s3:GetObject', 's3:PutObject'], `${BUCKET}/*`),
    allow('sqs:*', '*', { Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }),
    { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
  ];

  it('a statement inside one boundary statement, or each of its action-resource pairs inside some', () => {
    expect(coveredByBoundary(allow('s3:GetObject', `${BUCKET}/in/*`), boundary)).toBe(true);
    expect(
      coveredByBoundary(allow(['s3:GetObject', 's3:PutObject'], [`${BUCKET}/a`, `${BUCKET}/b`]), boundary),
    ).toBe(true);
    expect(
      coveredByBoundary(allow(['s3:GetObject', 'dynamodb:GetItem'], '*'), [
        allow('s3:GetObject', '*'),
        allow('dynamodb:*', '*'),
      ]),
    ).toBe(true);
  });

  it('one action or one resource outside is enough to be not covered', () => {
    expect(coveredByBoundary(allow(['s3:GetObject', 's3:DeleteObject'], `${BUCKET}/*`), boundary)).toBe(
      false,
    );
    expect(coveredByBoundary(allow('s3:GetObject', [`${BUCKET}/a`, 'arn:aws:s3:::other/a']), boundary)).toBe(
      false,
    );
    expect(coveredByBoundary(allow('s3:*', `${BUCKET}/*`), boundary)).toBe(false);
    expect(coveredByBoundary(allow('s3:GetObject', BUCKET), boundary)).toBe(false);
  });

  it('a boundary condition covers only a statement with the very same condition', () => {
    const condition = { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } };
    expect(coveredByBoundary(allow('sqs:SendMessage', '*', { Condition: condition }), boundary)).toBe(true);
    expect(coveredByBoundary(allow('sqs:SendMessage', '*'), boundary)).toBe(false);
    expect(
      coveredByBoundary(
        allow('sqs:SendMessage', '*', {
          Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
        }),
        boundary,
      ),
    ).toBe(false);
    // A boundary statement without a condition covers a statement that has one (it asks for less).
    expect(coveredByBoundary(allow('s3:GetObject', `${BUCKET}/a`, { Condition: condition }), boundary)).toBe(
      true,
    );
  });

  it('NotAction and NotResource are not reasoned about, unless the boundary holds the statement itself', () => {
    const notAction = { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' };
    expect(coveredByBoundary(allow('lambda:InvokeFunction', '*'), [notAction])).toBe(false);
    expect(coveredByBoundary({ Resource: '*', NotAction: 'iam:*', Effect: 'Allow' }, boundary)).toBe(true);
    expect(
      coveredByBoundary({ Effect: 'Allow', Action: 's3:GetObject', NotResource: BUCKET }, boundary),
    ).toBe(false);
  });

  it('a Deny needs nothing from the boundary; a statement with no Effect or Resource is not covered', () => {
    expect(coveredByBoundary({ Effect: 'Deny', Action: 'dynamodb:DeleteTable', Resource: '*' }, [])).toBe(
      true,
    );
    expect(coveredByBoundary({ Action: 's3:GetObject', Resource: `${BUCKET}/a` }, boundary)).toBe(false);
    expect(coveredByBoundary({ Effect: 'Allow', Action: 's3:GetObject' }, boundary)).toBe(false);
    expect(coveredByBoundary(allow([], `${BUCKET}/a`), boundary)).toBe(false);
    expect(coveredByBoundary(allow([3], `${BUCKET}/a`), boundary)).toBe(false);
  });

  it('a boundary of one statement (not in a list), none, or a Deny', () => {
    expect(coveredByBoundary(allow('s3:GetObject', `${BUCKET}/a`), boundary[0])).toBe(true);
    expect(coveredByBoundary(allow('s3:GetObject', `${BUCKET}/a`), undefined)).toBe(false);
    expect(
      coveredByBoundary(allow('s3:GetObject', `${BUCKET}/a`), [
        { Effect: 'Deny', Action: 's3:*', Resource: '*' },
      ]),
    ).toBe(false);
  });
});

it('canonicalJson sorts keys at every depth and keeps the order of lists', () => {
  expect(canonicalJson({ b: [2, { d: 1, c: 0 }], a: 'x' })).toBe('{"a":"x","b":[2,{"c":0,"d":1}]}');
  expect(canonicalJson([{ b: 1, a: 2 }, null])).toBe('[{"a":2,"b":1},null]');
});
