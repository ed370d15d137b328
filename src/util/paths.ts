import { isAbsolute, relative, sep } from 'node:path';

/** Whether `target` is `root` or inside it (both absolute, links already resolved). Pure. */
export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
