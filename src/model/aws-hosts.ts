/** The host names AWS gives a region's endpoints: the deploy makes them, the report job checks them. Pure. */

/** China's regions (cn-north-1, cn-northwest-1): their own partition and DNS suffix. */
export function isChinaRegion(region: string): boolean {
  return region.startsWith('cn-');
}

/** The DNS suffix of a region's execute-api and lambda-url hosts. */
export function dnsSuffix(region: string): string {
  return isChinaRegion(region) ? 'amazonaws.com.cn' : 'amazonaws.com';
}
