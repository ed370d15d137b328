/**
 * report-url and report-result: written where pull-request code ran, so checked exactly as strictly
 * as a report's own URL, for this run's stage and region only.
 */
import { describe, expect, it } from '@jest/globals';
import { parseMissingReport } from '../../src/reporting/missing-report.js';
import { isReportUrl } from '../../src/reporting/report-url.js';

const API = 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com';
const FN = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws';
const SCOPE = { stage: 'pr-12', region: 'us-east-1' };
const parse = (url: string) => () => parseMissingReport({ url, result: 'success' }, SCOPE);

describe('report-url is refused in every shape a report refuses', () => {
  it.each([
    ['a trailing path', `${API}/pr-12/admin`],
    ['a path other than the stage', `${API}/login`],
    ['a trailing slash', `${API}/`],
    ['a REST stage path on a function URL', `${FN}/pr-12`],
    ['a port', `${API}:443`],
    ['userinfo', `https://x@a1b2c3d4e5.execute-api.us-east-1.amazonaws.com`],
    [
      'userinfo hiding another host',
      `https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com@phish.example.com`,
    ],
    ['uppercase', API.toUpperCase()],
    ['an uppercase id', 'https://A1B2C3D4E5.execute-api.us-east-1.amazonaws.com'],
    ['%2F', `${API}%2Fpr-12`],
    ['%2F in the host', 'https://a1b2%2Fc3.execute-api.us-east-1.amazonaws.com'],
    ['an ideographic full stop', 'https://a1b2c3d4e5\u3002execute-api.us-east-1.amazonaws.com'],
    ['a fullwidth full stop', 'https://a1b2c3d4e5.execute-api\uff0eus-east-1.amazonaws.com'],
    ['a punycode label', 'https://xn--80ak6aa92e.execute-api.us-east-1.amazonaws.com.evil.example'],
    ['a trailing dot', 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com.'],
    ['a query', `${API}?next=https://phish.example.com`],
    ['a fragment', `${API}#x`],
    ['http', API.replace('https', 'http')],
    ['a scheme in capitals', API.replace('https', 'HTTPS')],
    ['protocol-relative', '//a1b2c3d4e5.execute-api.us-east-1.amazonaws.com'],
    ['a second line', `${API}\n[x](https://phish.example.com)`],
    ['a markdown link', `[${API}](https://phish.example.com)`],
    ['a mention', `${API} @octocat`],
    ['a sub-domain of another', 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com.phish.example.com'],
    ['a loopback address (local deploy)', 'http://127.0.0.1:43121'],
    ['another region', 'https://a1b2c3d4e5.execute-api.us-east-2.amazonaws.com'],
    ['a China suffix', `${API}.cn`],
    ['an id too long', `https://${'a'.repeat(64)}.execute-api.us-east-1.amazonaws.com`],
  ])('%s', (_what, url) => {
    expect(parse(url)).toThrow(
      /^report-url: ".*(?:"|…) is not valid; expected a URL the deploy makes in this run's region us-east-1 \(aws-region\): /s,
    );
  });

  it.each([
    ['HTTP API', API],
    ['REST API', `${API}/pr-12`],
    ['function URL', FN],
    ['surrounding whitespace (a YAML block)', ` ${API}\n`],
  ])('accepts %s', (_what, url) => {
    expect(parseMissingReport({ url, result: 'success' }, SCOPE)).toEqual({
      result: 'success',
      url: url.trim(),
    });
  });
});

describe('report URLs of each region', () => {
  const aws = (region: string) => ({ stage: 'pr-12', target: 'aws' as const, region });
  it.each([
    'us-gov-west-1',
    'us-gov-east-1',
    'ap-southeast-5',
    'eu-central-2',
    'il-central-1',
    'mx-central-1',
  ])("%s: its execute-api and function URL hosts, no other region's", (region) => {
    expect(isReportUrl(`https://abc123.execute-api.${region}.amazonaws.com`, aws(region))).toBe(true);
    expect(isReportUrl(`https://abc123.execute-api.${region}.amazonaws.com/pr-12`, aws(region))).toBe(true);
    expect(isReportUrl(`https://abc123.lambda-url.${region}.on.aws`, aws(region))).toBe(true);
    expect(isReportUrl(`https://abc123.execute-api.${region}.amazonaws.com.cn`, aws(region))).toBe(false);
    expect(isReportUrl('https://abc123.execute-api.us-east-1.amazonaws.com', aws(region))).toBe(false);
  });

  it.each(['cn-north-1', 'cn-northwest-1'])('%s: its amazonaws.com.cn execute-api host only', (region) => {
    expect(isReportUrl(`https://abc123.execute-api.${region}.amazonaws.com.cn`, aws(region))).toBe(true);
    expect(isReportUrl(`https://abc123.execute-api.${region}.amazonaws.com.cn/pr-12`, aws(region))).toBe(
      true,
    );
    expect(isReportUrl(`https://abc123.execute-api.${region}.amazonaws.com`, aws(region))).toBe(false);
    expect(isReportUrl(`https://abc123.lambda-url.${region}.on.aws`, aws(region))).toBe(false);
    const other = region === 'cn-north-1' ? 'cn-northwest-1' : 'cn-north-1';
    expect(isReportUrl(`https://abc123.execute-api.${other}.amazonaws.com.cn`, aws(region))).toBe(false);
  });

  it('a region with regular-expression characters matches only itself', () => {
    expect(isReportUrl('https://abc123.execute-api.usXeast-1.amazonaws.com', aws('us.east-1'))).toBe(false);
    expect(isReportUrl('https://abc123.execute-api.us-east-1.amazonaws.com', aws('us-east-.'))).toBe(false);
  });
});
