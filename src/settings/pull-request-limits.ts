/**
 * What a pull-request run may not ask for. Pull-request runs deploy with the
 * preview role (DESIGN.md, "Who may deploy what"), whose policy leaves out
 * every call that links an object IAM cannot check by tag: a usage plan's
 * keys and API stages. Refused here, before anything signs in, so the user
 * reads why instead of an AccessDenied halfway through a deploy.
 */
import { isPullRequestEvent } from '../model/plan.js';
import type { Settings } from '../model/settings.js';
import { Inputs } from './names.js';

type Limited = Pick<Settings, 'apiKey'>;

/** `api-key: true` on a pull-request run: the preview role may not make or link API keys. */
export class ApiKeyFromPullRequestError extends Error {
  constructor(eventName: string) {
    super(
      `${Inputs.ApiKey}: true on a ${eventName} run: pull-request runs deploy with the preview role, which may not make or link API keys ` +
        "(IAM cannot check which key a usage plan link names, so a pull request could read production's key). " +
        `Turn it off for pull requests (${Inputs.ApiKey}: \${{ !startsWith(github.event_name, 'pull_request') }}), or leave previews without a key; ` +
        'stages deployed with the production role keep theirs.',
    );
    this.name = 'ApiKeyFromPullRequestError';
  }
}

/** Throws when a pull-request run asks for what only the production role may do. */
export function checkPullRequestLimits(settings: Limited, eventName: string): void {
  if (!isPullRequestEvent(eventName)) return;
  if (settings.apiKey) throw new ApiKeyFromPullRequestError(eventName);
}
