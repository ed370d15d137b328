import { it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { policySize } from '../../src/model/policy-document.js';
it('print', () => {
  const partition = 'aws-us-gov', region = 'us-gov-west-1';
  const doc = deployRolePolicy({ role: 'preview', repository: `${'o'.repeat(39)}/${'r'.repeat(60)}`,
      accountId: '123456789012', managesExecutionRole: true, partition,
      project: 'a'.repeat(40), region, gateway: 'all', bucket: 'b'.repeat(63), keepWarm: true, layers: true, provisionedConcurrency: true,
      attachedLayers: [1,2,3,4,5].map((n) => `arn:${partition}:lambda:${region}:123456789012:layer:${'l'.repeat(60)}:${n}`) });
  console.log(doc.Statement.map((s) => `${policySize([s])} ${JSON.stringify(s)}`).join('\n'));
});
