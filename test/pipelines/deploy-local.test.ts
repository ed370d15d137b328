import { expect, test } from '@jest/globals';
import { pythonVersionWarning } from '../../src/pipelines/deploy-local.js';

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
