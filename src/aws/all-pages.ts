/** Pagination of AWS listings, for every module that lists. */

/**
 * The tokens of one listing, for a loop that reads its pages itself (it
 * prints each page as it comes, or stops early): returns the next token, or
 * undefined for the last page (`next` undefined or ''), and throws on a
 * token handed out before.
 */
export function pageTokens(): (next: string | undefined) => string | undefined {
  const seen = new Set<string>();
  return (next) => {
    const token = next || undefined;
    if (!token) return undefined;
    // A token seen twice would loop forever, and stopping there would hand back part of the list as
    // the whole: prune would delete what the unread pages' functions still use.
    if (seen.has(token))
      throw new Error(
        `An AWS listing handed out the pagination token ${token.slice(0, 40)} again; stopped rather than act on part of the list. Run again.`,
      );
    seen.add(token);
    return token;
  };
}

/** Every page of a paginated listing; `next` undefined or '' ends it. */
export async function allPages<P, I>(
  fetchPage: (token: string | undefined) => Promise<P>,
  items: (page: P) => I[] | undefined,
  next: (page: P) => string | undefined,
): Promise<I[]> {
  const all: I[] = [];
  const nextToken = pageTokens();
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    all.push(...(items(page) ?? []));
    token = nextToken(next(page));
  } while (token);
  return all;
}
