import type { PackageResult } from '../../packaging/build-package-types.js';
import type { Plan } from '../../model/plan.js';
import type { DeployReport } from '../../model/outcome.js';
import type { Settings } from '../../model/settings.js';
import { packageFacts } from '../package-pipeline.js';
import { slimOutcome, type SlimTarget } from '../slim-deploy.js';
import { skippedSmoke } from './stage-smoke-test.js';

/** The report before anything is deployed: a failure until the stage passes its smoke test. */
export function initialReport(
  settings: Settings,
  plan: Plan,
  pkg: PackageResult,
  slim: SlimTarget | undefined,
): DeployReport {
  return {
    status: 'failure',
    project: settings.name,
    stage: plan.stage,
    functionName: plan.functionName,
    functionArn: '',
    version: '',
    previousVersion: '',
    url: '',
    ...packageFacts(pkg),
    changed: false,
    rolledBack: false,
    smoke: skippedSmoke('not reached'),
    sha: plan.sha,
    durationMs: 0,
    target: 'aws',
    ...(pkg.slim && slim ? { slim: slimOutcome(pkg.slim, slim) } : {}),
  };
}
