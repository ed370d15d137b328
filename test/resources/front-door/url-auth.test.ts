/**
 * A function URL whose GetFunctionUrlConfig answer has no AuthType, or
 * AuthType null (a client or proxy that writes nulls out, or Lambda's answer
 * through a mock): the deploy and the clean-up after a gateway switch read it
 * the same way, as not known to be public. The deploy refuses it (it never
 * opens a URL it cannot tell is public), and the clean-up keeps it, taking
 * only lambda-deploy's public statements off `live`.
 */
import { beforeEach, describe, expect, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  RemovePermissionCommand,
} from '@aws-sdk/client-lambda';
import { checkFunctionUrl, privateUrlProblem } from '../../../src/resources/front-door/function-url.js';
import { removeOldFrontDoors } from '../../../src/resources/front-door/old-front-door.js';
import type { CleanupClients } from '../../../src/resources/stage/stage-search.js';
import { gatewayInput } from '../../../fakes/aws/stage-fixtures.js';
import { testDeps } from '../../support/aws-deploy-sequence.js';

const lambda = new LambdaClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' },
});
const mock = mockClient(lambda);
beforeEach(() => {
  mock.reset();
});

const input = gatewayInput();
const URL = 'https://abc.lambda-url.eu-west-1.on.aws/';
/** GetFunctionUrlConfig's answer (Lambda's fields, CORS left out), AuthType as the case has it. */
const answer = (auth: Record<string, unknown>) => ({
  FunctionUrl: URL,
  FunctionArn: input.aliasArn,
  CreationTime: '2026-01-01T00:00:00.000Z',
  LastModifiedTime: '2026-01-01T00:00:00.000Z',
  InvokeMode: 'BUFFERED',
  ...auth,
});
const cases: [string, Record<string, unknown>][] = [
  ['absent', {}],
  ['null', { AuthType: null }],
];

describe('a function URL with no AuthType, or AuthType null, is one case', () => {
  test.each(cases)('the deploy refuses it, with the same words (AuthType %s)', async (_, auth) => {
    mock.on(GetFunctionUrlConfigCommand).resolves(answer(auth) as never);
    await expect(checkFunctionUrl(lambda, input, testDeps())).rejects.toThrow(
      privateUrlProblem(input.aliasArn, 'shop-pr-42', 'live', undefined),
    );
  });

  test.each(cases)(
    'the clean-up after a gateway switch keeps it and removes only our statements (AuthType %s)',
    async (_, auth) => {
      mock.on(GetPolicyCommand).resolves({
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'lambda-deploy-function-url',
              Effect: 'Allow',
              Principal: '*',
              Action: 'lambda:InvokeFunctionUrl',
              Resource: input.aliasArn,
              Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
            },
            {
              Sid: 'lambda-deploy-function-url-invoke',
              Effect: 'Allow',
              Principal: '*',
              Action: 'lambda:InvokeFunction',
              Resource: input.aliasArn,
              Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
            },
          ],
        }),
      });
      mock.on(GetFunctionUrlConfigCommand).resolves(answer(auth) as never);
      mock.on(RemovePermissionCommand).resolves({});
      const deps = testDeps();

      const removed = await removeOldFrontDoors(
        { lambda } as unknown as CleanupClients,
        ['function-url'],
        {
          project: 'shop',
          stage: 'pr-42',
          repository: 'octo/shop',
          functionName: 'shop-pr-42',
          includeLogs: false,
        },
        deps,
      );

      expect(removed).toEqual([]);
      expect(mock.commandCalls(DeleteFunctionUrlConfigCommand)).toHaveLength(0);
      expect(mock.commandCalls(RemovePermissionCommand).map((c) => c.args[0].input.StatementId)).toEqual([
        'lambda-deploy-function-url',
        'lambda-deploy-function-url-invoke',
      ]);
      expect(deps.logger.text()).toContain('has auth unknown');
    },
  );
});
