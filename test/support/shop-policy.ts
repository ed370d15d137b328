/** The deploy policy options most IAM tests start from: project shop, one account, every gateway. */
import type { DeployPolicyOptions } from '../../src/iam/deploy-policy-options.js';

export const R = 'eu-west-1';
export const A = '123456789012';
export const base: DeployPolicyOptions = {
  project: 'shop',
  region: R,
  accountId: A,
  gateway: 'all',
  managesExecutionRole: true,
  repository: 'octo/shop',
};
