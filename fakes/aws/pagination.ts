/**
 * Pages of a listing, the way AWS hands them out: at most the page size the
 * caller asked for, capped by the service's maximum (or by the fake's
 * `pageSize` option, to force several pages in a test), with an opaque token
 * that only the same listing accepts.
 */
import { AwsFault } from './errors.js';

export interface PageLimits {
  /** The page size when the caller asks for none. */
  defaultSize: number;
  /** The most the service hands out in one page. */
  maxSize: number;
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  next?: string;
}

/**
 * One page of `items`. `listing` names the listing (operation and scope),
 * so a token from another listing is refused; `invalidToken` builds the
 * service's own error for that.
 */
export function paginate<T>(
  items: readonly T[],
  options: {
    listing: string;
    token: string | null | undefined;
    requested?: number | string | null;
    limits: PageLimits;
    /** The fake's page size option: caps every page when set. */
    cap?: number;
    invalidToken: (message: string) => AwsFault;
  },
): Page<T> {
  let start = 0;
  if (options.token) {
    const decoded = decodeToken(options.token);
    if (!decoded || decoded.listing !== options.listing)
      throw options.invalidToken(`Invalid pagination token: ${options.token}`);
    start = decoded.offset;
  }
  const asked = Number(options.requested);
  let size =
    Number.isFinite(asked) && asked > 0
      ? Math.min(asked, options.limits.maxSize)
      : options.limits.defaultSize;
  if (options.cap) size = Math.min(size, options.cap);
  const end = start + size;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { next: encodeToken(options.listing, end) } : {}),
  };
}

function encodeToken(listing: string, offset: number): string {
  return Buffer.from(JSON.stringify({ l: listing, o: offset })).toString('base64url');
}

function decodeToken(token: string): { listing: string; offset: number } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      l?: unknown;
      o?: unknown;
    };
    if (typeof parsed.l !== 'string' || typeof parsed.o !== 'number') return undefined;
    return { listing: parsed.l, offset: parsed.o };
  } catch {
    return undefined;
  }
}
