/**
 * The dependencies layer `{project}-deps` is one for every stage: production's functions attach
 * its versions too, and a layer version carries no tags to tell whose it is. Deleting one is
 * lasting (it cannot be published again under its number) and reaches production: a version
 * production's functions run can no longer be attached anew (a production deploy that picked it
 * meets "does not exist" and publishes the same content again). A pull request's job never needs to delete one: the preview role's
 * prune keeps the versions anyway while it cannot read a protected stage's function. So the
 * preview role is denied it outright (an explicit Deny: prune tells it from a missing Allow).
 */
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import type { DeployPolicyOptions } from '../../src/iam/deploy-policy-options.js';
import { evaluate } from '../support/policy-check.js';
import { A, R, base as shop } from '../support/shop-policy.js';

const base: DeployPolicyOptions = { ...shop, layers: true };
const layer = `arn:aws:lambda:${R}:${A}:layer:shop-deps`;

describe('versions of the dependencies layer', () => {
  it('the preview role may not delete one: an explicit deny', () => {
    const preview = deployRolePolicy({ ...base, role: 'preview' });
    expect(evaluate(preview, 'lambda:DeleteLayerVersion', `${layer}:3`)).toBe('explicit-deny');
  });

  it('the preview role still publishes, lists and reads them (its deploys reuse them)', () => {
    const preview = deployRolePolicy({ ...base, role: 'preview' });
    expect(evaluate(preview, 'lambda:PublishLayerVersion', layer)).toBe('allowed');
    expect(evaluate(preview, 'lambda:ListLayerVersions', layer)).toBe('allowed');
    expect(evaluate(preview, 'lambda:GetLayerVersion', `${layer}:3`)).toBe('allowed');
  });

  it("the production role's prune deletes those no function uses", () => {
    const production = deployRolePolicy({ ...base, role: 'production' });
    expect(evaluate(production, 'lambda:DeleteLayerVersion', `${layer}:3`)).toBe('allowed');
  });
});
