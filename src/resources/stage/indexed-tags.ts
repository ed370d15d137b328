/**
 * One resource's tags as the tagging index lists them (tag:GetResources by
 * ARN): whose a resource is when this role may not read it (the deploy roles
 * read nothing tagged for another project), without reading it.
 */
import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { callAws, type RetryDeps } from '../../aws/aws-call.js';
import { tagMap } from './tag-guard.js';

/** The tags (undefined: not listed, or not known). */
export type IndexedTags = () => Promise<Record<string, string> | undefined>;

/** `label`: what the resource is, for an error ("function arn:..."). */
export function indexedTags(
  tagging: ResourceGroupsTaggingAPIClient,
  label: string,
  arn: string,
  deps: RetryDeps,
): IndexedTags {
  return async () => {
    const r = await callAws(
      deps,
      { what: `look ${label} up in the tagging index`, permission: 'tag:GetResources' },
      () => tagging.send(new GetResourcesCommand({ ResourceARNList: [arn] })),
    );
    const mapping = r.ResourceTagMappingList?.find((m) => m.ResourceARN === arn);
    return mapping ? tagMap(mapping.Tags) : undefined;
  };
}
