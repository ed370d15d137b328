/** The smoke test after a deploy (smoke-path, smoke-status, ...), rollback and keep-versions. */
import type { StatusRanges } from '../model/settings.js';
import type { Checked, InputReader } from './input-reader.js';
import { splitList } from './input-lists.js';
import { Inputs } from './names.js';

/** `200-399`, `200,204`, `200-299, 404`: inclusive ranges, or an error message. */
export function parseStatusRanges(value: string): StatusRanges | string {
  const ranges: [number, number][] = [];
  for (const part of splitList(value, /[,\s]+/)) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    if (!m) return `"${part}" is neither a status code nor a range like 200-399`;
    const low = Number(m[1]);
    const high = m[2] ? Number(m[2]) : low;
    if (low < 100 || high > 599 || low > high) return `"${part}" is not a range within 100-599`;
    ranges.push([low, high]);
  }
  return ranges.length ? ranges : 'no status given';
}

export function statusAccepted(status: number, ranges: StatusRanges): boolean {
  return ranges.some(([low, high]) => status >= low && status <= high);
}

/** The smoke test after each deploy, and what a failure does. */
export function readSmoke(
  r: InputReader,
): Checked<
  'smokeTest' | 'smokePath' | 'smokeStatus' | 'smokeContains' | 'smokeTimeout' | 'rollback' | 'keepVersions'
> {
  const smokeTest = r.bool(Inputs.SmokeTest);
  const smokePath = r.value(Inputs.SmokePath);
  if (!smokePath.startsWith('/')) r.bad(Inputs.SmokePath, 'a path starting with "/", like "/health"');
  const parsedStatus = parseStatusRanges(r.value(Inputs.SmokeStatus));
  if (typeof parsedStatus === 'string')
    r.bad(Inputs.SmokeStatus, `a status range like 200-399 or a list like 200,204 (${parsedStatus})`);
  const smokeContains = r.raw(Inputs.SmokeContains) || undefined;
  const smokeTimeout = r.integer(Inputs.SmokeTimeout, 1, 900, ' (seconds)') ?? 60;
  const rollback = r.bool(Inputs.Rollback);
  const keepVersions = r.integer(Inputs.KeepVersions, 1, 100) ?? 5;
  return {
    smokeTest,
    smokePath,
    smokeStatus: parsedStatus as StatusRanges,
    smokeContains,
    smokeTimeout,
    rollback,
    keepVersions,
  };
}
