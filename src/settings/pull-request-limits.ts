/**
 * What a pull-request run may not ask for. Pull-request runs deploy with the
 * preview role (DESIGN.md, "Who may deploy what"), whose policy leaves out
 * every call that links an object IAM cannot check by tag: a usage plan's
 * keys and API stages, an EventBridge rule's targets. Decided here, before
 * anything signs in, so the user reads why instead of an AccessDenied halfway
 * through a deploy: an API key is refused (the stage would serve without the
 * protection asked for), keep-warm and provisioned concurrency are skipped
 * with a notice (latency niceties; provisioned concurrency also takes from
 * the account's unreserved concurrency, which production shares).
 */
import { isPullRequestEvent } from '../model/plan.js';
import type { Settings } from '../model/settings.js';
import { Inputs } from './names.js';

type Limited = Pick<Settings, 'apiKey' | 'keepWarm' | 'provisionedConcurrency'>;

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

/**
 * The settings a pull-request run deploys with, and the notices to log; throws when it asks for
 * what only the production role may do and cannot be left out.
 */
export function pullRequestLimits<S extends Limited>(
  settings: S,
  eventName: string,
): { settings: S; notices: string[] } {
  if (!isPullRequestEvent(eventName)) return { settings, notices: [] };
  if (settings.apiKey) throw new ApiKeyFromPullRequestError(eventName);
  const notices: string[] = [];
  let limited = settings;
  if (settings.keepWarm) {
    notices.push(
      `${Inputs.KeepWarm} skipped: a ${eventName} run deploys with the preview role, which may not create EventBridge rules or targets ` +
        "(IAM cannot limit which target a rule sends events to, so a pull request could send chosen events to production's queues). " +
        'Previews start cold; stages deployed with the production role are kept warm.',
    );
    limited = { ...limited, keepWarm: undefined };
  }
  // 0 only removes what is there (Get and Delete stay the preview role's): left as asked.
  if (settings.provisionedConcurrency) {
    notices.push(
      `${Inputs.ProvisionedConcurrency} skipped: a ${eventName} run deploys with the preview role, which may not set provisioned concurrency ` +
        "(it takes from the account's unreserved concurrency, which production's functions share, and is billed every hour). " +
        'Previews start on demand; stages deployed with the production role keep theirs.',
    );
    limited = { ...limited, provisionedConcurrency: undefined };
  }
  return { settings: limited, notices };
}
