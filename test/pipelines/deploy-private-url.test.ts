/**
 * gateway: function-url on a stage whose URL on `live` its owner made
 * private (AWS_IAM): the deploy refuses it before it writes anything to the
 * function, so `live` never moves (and never moves back).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appFolder, changeCode, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { privateUrlProblem } from '../../src/resources/front-door/function-url.js';

let aws: FakeAws;
let dir: string;
beforeEach(async () => {
  aws = await startFakeAws();
  aws.seed.setup('shop');
  dir = appFolder();
});
afterEach(async () => {
  await aws.close();
  removeApp(dir);
});

const deploy = (sequential = false) =>
  deployApp(aws, dir, { sequential, inputs: { gateway: 'function-url' } });
const fn = () => aws.account.functions.get('shop-main')!;
const FUNCTION_WRITES = [
  'UpdateFunctionCode',
  'UpdateFunctionConfiguration',
  'PublishVersion',
  'UpdateAlias',
];

describe('gateway: function-url with a private URL on live', () => {
  it.each([false, true])(
    'refuses it before the function is written: same message, live untouched (sequential: %s)',
    async (sequential) => {
      expect((await deploy()).report.status).toBe('success');
      const url = fn().urls.get('live')!;
      fn().urls.set('live', { ...url, AuthType: 'AWS_IAM' } as never);
      const live = fn().aliases.get('live')?.FunctionVersion;
      changeCode(dir);
      aws.calls.clear();

      const second = await deploy(sequential);

      expect(second.report.status).toBe('failure');
      expect(second.report.error).toBe(privateUrlProblem(`${fn().arn}:live`, 'shop-main', 'live', 'AWS_IAM'));
      for (const operation of FUNCTION_WRITES)
        expect([operation, aws.calls.of({ operation })]).toEqual([operation, []]);
      expect(fn().aliases.get('live')?.FunctionVersion).toBe(live);
      expect(fn().urls.get('live')?.AuthType).toBe('AWS_IAM');
      expect(second.report.rolledBack).toBe(false);
    },
  );
});

describe('gateway: function-url, public URL', () => {
  it('a first deploy creates the URL; a code change reads it once, before the function is written', async () => {
    const first = await deploy();
    expect(first.report.status).toBe('success');
    expect(fn().urls.get('live')?.AuthType).toBe('NONE');
    changeCode(dir);
    aws.calls.clear();
    const second = await deploy();
    expect(second.report).toMatchObject({ status: 'success', version: '2', url: first.report.url });
    const reads = aws.calls.of({ operation: 'GetFunctionUrlConfig' });
    expect(reads).toHaveLength(1);
    expect(aws.calls.of({ operation: 'CreateFunctionUrlConfig' })).toEqual([]);
    expect(reads[0]!.seq).toBeLessThan(aws.calls.of({ operation: 'UpdateFunctionCode' })[0]!.seq);
  });
});
