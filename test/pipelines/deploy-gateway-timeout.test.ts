/**
 * A function timeout longer than API Gateway waits: the HTTP API answers 503
 * after 30 s and the REST API 504 after 29 s (its default integration
 * timeout, which we do not raise) while the function keeps running. The
 * deploy says so, naming the input; a function URL waits up to 15 minutes.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { gatewayTimeoutWarning } from '../../src/resources/front-door/gateway-timeout.js';

let aws: FakeAws;
let dir: string;
beforeEach(async () => {
  aws = await startFakeAws({ invoke: () => ({ payload: JSON.stringify({ statusCode: 200, body: 'ok' }) }) });
  aws.seed.setup('shop');
  dir = appFolder();
});
afterEach(async () => {
  await aws.close();
  removeApp(dir);
});

const deploy = (inputs: Record<string, string>) => deployApp(aws, dir, { inputs });

describe('a function timeout the front door cannot wait for', () => {
  it('http-api with timeout 120: the deploy succeeds and warns that the HTTP API gives up after 30 s', async () => {
    const { report, logger } = await deploy({ gateway: 'http-api', timeout: '120' });
    expect(report.status).toBe('success');
    expect(logger.text('warning')).toContain(
      'timeout: 120 s, but the HTTP API waits at most 30 s for the function',
    );
  });

  it('rest-api with timeout 60: warns with the REST API 29 s', async () => {
    const { report, logger } = await deploy({ gateway: 'rest-api', timeout: '60' });
    expect(report.status).toBe('success');
    expect(logger.text('warning')).toContain(
      'timeout: 60 s, but the REST API waits at most 29 s for the function',
    );
  });

  it('the default timeout (30) and a function URL with any timeout: no warning', async () => {
    expect((await deploy({ gateway: 'http-api' })).logger.text('warning')).not.toContain('waits at most');
    expect((await deploy({ gateway: 'function-url', timeout: '300' })).logger.text('warning')).not.toContain(
      'waits at most',
    );
  });
});

describe('gatewayTimeoutWarning', () => {
  it.each([
    ['http-api', 30, false],
    ['http-api', 31, true],
    ['rest-api', 30, false],
    ['rest-api', 31, true],
    ['function-url', 900, false],
    ['none', 900, false],
  ] as const)('%s, timeout %i: warns %s', (kind, timeout, warns) => {
    expect(gatewayTimeoutWarning(kind, timeout) !== undefined).toBe(warns);
  });

  it('names the input, the limit, what the caller sees and the way out', () => {
    expect(gatewayTimeoutWarning('http-api', 120)).toBe(
      'timeout: 120 s, but the HTTP API waits at most 30 s for the function (API Gateway cannot raise it): ' +
        'a request that runs longer gets 503 Service Unavailable while the function goes on. ' +
        'Expected timeout: 30 or less with gateway: http-api, or gateway: function-url (up to 900 s).',
    );
  });
});
