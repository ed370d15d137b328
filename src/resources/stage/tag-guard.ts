import { ownerMismatch, ownerTags } from '../../model/tags.js';

/** A resource the tagging API returned, by kind. */
export type TaggedArn =
  | { kind: 'function'; arn: string; name: string }
  | { kind: 'rest-api' | 'http-api' | 'usage-plan' | 'api-key'; arn: string; id: string }
  /** A stage of an API: goes with its API, nothing to do on its own. */
  | { kind: 'api-stage'; arn: string; id: string }
  | { kind: 'rule'; arn: string; name: string; eventBusName?: string }
  | { kind: 'log-group'; arn: string; name: string }
  | { kind: 'other'; arn: string };

/** A Map, not an object: `/constructor/x` must find no kind. */
const APIGATEWAY_KINDS = new Map<string | undefined, 'rest-api' | 'http-api' | 'usage-plan' | 'api-key'>([
  ['restapis', 'rest-api'],
  ['apis', 'http-api'],
  ['usageplans', 'usage-plan'],
  ['apikeys', 'api-key'],
]);

/** What an ARN from GetResources points at. Pure. */
export function parseTaggedArn(arn: string): TaggedArn {
  const parts = arn.split(':');
  const service = parts[2];
  // Stryker disable next-line StringLiteral: API ids and rule names hold no ':', so '' joins them alike.
  const rest = parts.slice(5).join(':');
  if (service === 'lambda' && parts[5] === 'function' && parts[6])
    return { kind: 'function', arn, name: parts[6] };
  if (service === 'apigateway') {
    // arn:aws:apigateway:us-east-1::/restapis/abc123[/stages/live]
    const segments = rest.split('/').filter(Boolean);
    const kind = APIGATEWAY_KINDS.get(segments[0]);
    const id = segments[1];
    if (kind && id && segments.length === 2) return { kind, arn, id };
    if ((kind === 'rest-api' || kind === 'http-api') && id && segments[2] === 'stages')
      return { kind: 'api-stage', arn, id };
  }
  if (service === 'events' && rest.startsWith('rule/')) {
    const segments = rest.slice('rule/'.length).split('/');
    if (segments.length === 1 && segments[0]) return { kind: 'rule', arn, name: segments[0] };
    if (segments.length === 2 && segments[0] && segments[1])
      return { kind: 'rule', arn, name: segments[1], eventBusName: segments[0] };
  }
  if (service === 'logs' && parts[5] === 'log-group' && parts[6])
    return { kind: 'log-group', arn, name: parts[6] };
  return { kind: 'other', arn };
}

/** `[{Key, Value}]` (tagging API, EventBridge, most SDK shapes) to a plain map. */
export function tagMap(
  list: readonly { Key?: string; Value?: string }[] | undefined,
): Record<string, string> {
  const tags: Record<string, string> = {};
  // Stryker disable next-line ArrayDeclaration: the mutant's one string element has no Key, so nothing is added.
  for (const { Key, Value } of list ?? []) if (Key !== undefined) tags[Key] = Value ?? '';
  return tags;
}

/** Whose stage a cleanup works on: the project, the stage and the repository together. */
export interface StageOwner {
  project: string;
  stage: string;
  /** owner/repo of this run ('' when unknown). */
  repository: string;
}

/**
 * Why a resource does not belong to the stage, or undefined when its tags
 * say it does: project, stage and repository must all match. Worded to
 * follow "name matches but ...".
 */
export function tagMismatch(tags: Record<string, string> | undefined, owner: StageOwner): string | undefined {
  return ownerMismatch(tags, ownerTags(owner));
}

/**
 * Whether a resource's name makes it a candidate of the stage whose function
 * is `functionName`: that exact name or the name followed by a suffix
 * (`shop-pr-1-key`). A candidate is only ever removed after its tags agree.
 */
export function namedForStage(name: string | undefined, functionName: string): boolean {
  return name !== undefined && (name === functionName || name.startsWith(`${functionName}-`));
}
