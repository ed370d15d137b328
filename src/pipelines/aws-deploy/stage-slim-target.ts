import { isProtectedStage } from '../../model/protected-stages.js';
import type { PackageResult } from '../../packaging/build-package-types.js';
import type { Plan } from '../../model/plan.js';
import type { Settings } from '../../model/settings.js';
import { slimTarget, type SlimTarget } from '../slim-deploy.js';

/** Where a slim package's dependencies archive goes for this stage (its kind: production or preview). */
export function stageSlimTarget(
  settings: Settings,
  plan: Plan,
  pkg: PackageResult,
  accountId: string,
  region: string,
): SlimTarget | undefined {
  if (!pkg.slim) return undefined;
  return slimTarget(pkg.slim, {
    project: settings.name,
    bucket: settings.s3Bucket,
    accountId,
    region,
    protectedStage: isProtectedStage(plan.stage, settings.protectedStages),
  });
}
