import { expect, test } from '@jest/globals';
import { nodeVersionWarning, pythonVersionWarning } from '../../src/pipelines/deploy-local.js';

test.each([
  ['python3.12', '3.12', undefined],
  [
    'python3.12',
    '3.11',
    /runtime python3.12 runs locally on Python 3.11 \(python3\); Lambda runs 3.12. Set LAMBDA_DEPLOY_PYTHON/,
  ],
  ['python3.9', '3.13', /Lambda runs 3.9/],
  ['nodejs22.x', '3.11', undefined],
  ['python3.12', undefined, undefined],
])('runtime %s on local Python %s', (runtime, local, expected) => {
  const warning = pythonVersionWarning(runtime, local, 'python3');
  if (expected === undefined) expect(warning).toBeUndefined();
  else expect(warning).toMatch(expected);
});

test.each([
  ['nodejs22.x', 'v22.11.0', undefined],
  [
    'nodejs22.x',
    'v20.20.2',
    'runtime nodejs22.x runs locally on Node.js 20.20.2 (the Node that runs lambda-deploy); Lambda runs Node.js 22. Run it with a Node.js 22 to match it.',
  ],
  ['nodejs20.x', 'v24.1.0', /Lambda runs Node.js 20\./],
  ['python3.12', 'v20.20.2', undefined],
])('runtime %s on local Node %s', (runtime, local, expected) => {
  const warning = nodeVersionWarning(runtime, local);
  if (expected === undefined) expect(warning).toBeUndefined();
  else expect(warning).toMatch(expected);
});
