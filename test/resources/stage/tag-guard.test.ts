import { describe, expect, it } from '@jest/globals';
import {
  namedForStage,
  parseTaggedArn,
  tagMap,
  tagMismatch,
} from '../../../src/resources/stage/tag-guard.js';

describe('parseTaggedArn', () => {
  it.each([
    ['arn:aws:lambda:us-east-1:123456789012:function:shop-pr-1', { kind: 'function', name: 'shop-pr-1' }],
    ['arn:aws:apigateway:us-east-1::/restapis/a1b2c3', { kind: 'rest-api', id: 'a1b2c3' }],
    ['arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/live', { kind: 'api-stage', id: 'a1b2c3' }],
    ['arn:aws:apigateway:eu-west-1::/apis/h1', { kind: 'http-api', id: 'h1' }],
    ['arn:aws:apigateway:eu-west-1::/apis/h1/stages/$default', { kind: 'api-stage', id: 'h1' }],
    ['arn:aws:apigateway:us-east-1::/usageplans/p1', { kind: 'usage-plan', id: 'p1' }],
    ['arn:aws:apigateway:us-east-1::/apikeys/k1', { kind: 'api-key', id: 'k1' }],
    ['arn:aws:apigateway:us-east-1::/domainnames/api.example.com', { kind: 'other' }],
    [
      'arn:aws:events:us-east-1:123456789012:rule/shop-pr-1-keep-warm',
      { kind: 'rule', name: 'shop-pr-1-keep-warm' },
    ],
    [
      'arn:aws:events:us-east-1:123456789012:rule/custom-bus/warm',
      { kind: 'rule', name: 'warm', eventBusName: 'custom-bus' },
    ],
    [
      'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/shop-pr-1',
      { kind: 'log-group', name: '/aws/lambda/shop-pr-1' },
    ],
    ['arn:aws-cn:lambda:cn-north-1:123456789012:function:x', { kind: 'function', name: 'x' }],
    ['arn:aws:s3:::bucket', { kind: 'other' }],
    // Shapes close to ours that are something else: cleanup must not act on them as ours.
    ['arn:aws:lambda:us-east-1:123456789012:layer:shop-pr-1-deps:3', { kind: 'other' }],
    ['arn:aws:lambda:us-east-1:123456789012:function', { kind: 'other' }],
    ['arn:aws:states:us-east-1:123456789012:function:shop-pr-1', { kind: 'other' }],
    ['arn:aws:execute-api:us-east-1::/restapis/a1b2c3', { kind: 'other' }],
    ['arn:aws:apigateway:us-east-1::/restapis/a1b2c3/resources/r1', { kind: 'other' }],
    ['arn:aws:apigateway:us-east-1::/restapis/a1b2c3/deployments/d1/x', { kind: 'other' }],
    ['arn:aws:apigateway:us-east-1::/usageplans/p1/stages/live', { kind: 'other' }],
    ['arn:aws:apigateway:us-east-1::/restapis', { kind: 'other' }],
    ['arn:aws:apigateway:us-east-1::/', { kind: 'other' }],
    // Object's own keys are no kind of API Gateway resource.
    ['arn:aws:apigateway:us-east-1::/constructor/x', { kind: 'other' }],
    ['arn:aws:apigateway:us-east-1::/toString/x', { kind: 'other' }],
    ['arn:aws:waf::123456789012:rule/41b5b052-1e4a-426b-8149-3595be6342c2', { kind: 'other' }],
    ['arn:aws:events:us-east-1:123456789012:event-bus/default', { kind: 'other' }],
    ['arn:aws:events:us-east-1:123456789012:rule/bus/warm/extra', { kind: 'other' }],
    ['arn:aws:events:us-east-1:123456789012:rule//warm', { kind: 'other' }],
    ['arn:aws:events:us-east-1:123456789012:rule/bus/', { kind: 'other' }],
    ['arn:aws:events:us-east-1:123456789012:rule/', { kind: 'other' }],
    ['arn:aws:logs:us-east-1:123456789012:destination:shop-pr-1', { kind: 'other' }],
    ['arn:aws:logs:us-east-1:123456789012:log-group', { kind: 'other' }],
    ['arn:aws:iot:us-east-1:123456789012:log-group:shop-pr-1', { kind: 'other' }],
  ])('%s', (arn, expected) => {
    expect(parseTaggedArn(arn)).toEqual({ arn, ...expected });
  });
});

describe('tagMismatch', () => {
  const ours = {
    'lambda-deploy:name': 'shop',
    'lambda-deploy:stage': 'pr-1',
    'lambda-deploy:repository': 'acme/shop',
    'lambda-deploy:ref': 'pull/1',
  };
  it.each<[string, Record<string, string> | undefined, string | undefined]>([
    ['matching tags', ours, undefined],
    ['no tags object', undefined, 'has no lambda-deploy tags'],
    ['only foreign tags', { team: 'x' }, 'has no lambda-deploy tags'],
    ['another project', { ...ours, 'lambda-deploy:name': 'billing' }, "tag lambda-deploy:name is 'billing'"],
    ['another stage', { ...ours, 'lambda-deploy:stage': 'pr-10' }, "tag lambda-deploy:stage is 'pr-10'"],
    ['no project tag', { 'lambda-deploy:stage': 'pr-1' }, 'has no lambda-deploy:name tag'],
    ['no stage tag', { 'lambda-deploy:name': 'shop' }, 'has no lambda-deploy:stage tag'],
    [
      'the same project and stage of another repository',
      { ...ours, 'lambda-deploy:repository': 'other-org/shop' },
      "tag lambda-deploy:repository is 'other-org/shop'",
    ],
    [
      'no repository tag',
      { 'lambda-deploy:name': 'shop', 'lambda-deploy:stage': 'pr-1' },
      'has no lambda-deploy:repository tag',
    ],
    // GitHub names are case-insensitive: ACME/Shop is acme/shop.
    ['the repository in other case', { ...ours, 'lambda-deploy:repository': 'ACME/Shop' }, undefined],
    [
      'a case difference is another project',
      { ...ours, 'lambda-deploy:name': 'Shop' },
      "tag lambda-deploy:name is 'Shop'",
    ],
  ])('%s', (_label, tags, expected) => {
    expect(tagMismatch(tags, { project: 'shop', stage: 'pr-1', repository: 'acme/shop' })).toBe(expected);
  });
});

describe('namedForStage', () => {
  it.each<[string | undefined, boolean]>([
    ['shop-pr-1', true],
    ['shop-pr-1-key', true],
    ['shop-pr-10', false],
    ['shop-pr', false],
    ['xshop-pr-1', false],
    [undefined, false],
  ])('%s', (name, expected) => {
    expect(namedForStage(name, 'shop-pr-1')).toBe(expected);
  });
});

it('tagMap turns a Key/Value list into a map', () => {
  expect(tagMap([{ Key: 'a', Value: '1' }, { Key: 'b' }, { Value: 'orphan' }])).toEqual({ a: '1', b: '' });
  expect(tagMap(undefined)).toEqual({});
});
