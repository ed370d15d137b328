/**
 * `api-key: true` on a branch that differs from a protected stage only in
 * case (Main, when main is protected). GitHub compares strings ignoring case,
 * so the expression `init --api-key` writes turns the key on for it, while its
 * stage (main-1a2b3c4d) is a preview, deployed with the preview role, which
 * may make no API key: said before anything signs in, instead of an
 * AccessDenied halfway through the deploy.
 */
import type { Plan } from '../model/plan.js';
import type { Settings } from '../model/settings.js';
import { Inputs } from './names.js';

export class ApiKeyOnCaseVariantBranchError extends Error {
  constructor(branch: string, stage: string, protectedStage: string) {
    super(
      `${Inputs.ApiKey}: true on branch ${branch}, deployed as the preview stage ${stage}: API keys are made only on protected stages (the production role's deploys). ` +
        `GitHub compares branch names ignoring case, so ${branch} matched the protected stage ${protectedStage} in the workflow's ${Inputs.ApiKey} expression (as init --api-key writes it), ` +
        `while its stage is not ${protectedStage}. Rename the branch (no branch should differ from a protected stage only in case), or leave its stage without a key.`,
    );
    this.name = 'ApiKeyOnCaseVariantBranchError';
  }
}

/** Throws when the key was asked for on a branch whose name is a protected stage's in another case, and whose stage is not protected. */
export function refuseCaseVariantApiKey(
  settings: Pick<Settings, 'apiKey' | 'protectedStages'>,
  plan: Pick<Plan, 'branch' | 'stage'>,
): void {
  const { branch, stage } = plan;
  // The settings' list is lower-case, as stages are.
  if (!settings.apiKey || !branch || settings.protectedStages.includes(stage)) return;
  // The branch itself protected (main deployed to a stage input's staging): GitHub matched no other case.
  if (settings.protectedStages.includes(branch)) return;
  const matched = settings.protectedStages.find((p) => p === branch.toLowerCase());
  if (matched) throw new ApiKeyOnCaseVariantBranchError(branch, stage, matched);
}
