/** Pagination of AWS listings, for every module that lists. */

/** Every page of a paginated listing; `next` undefined or '' ends it. */
export async function allPages<P, I>(
  fetchPage: (token: string | undefined) => Promise<P>,
  items: (page: P) => I[] | undefined,
  next: (page: P) => string | undefined,
): Promise<I[]> {
  const all: I[] = [];
  let token: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(token);
    all.push(...(items(page) ?? []));
    token = next(page) || undefined;
    if (!token) return all;
    // A token seen twice would loop forever, and stopping there would hand back part of the list as
    // the whole: prune would delete what the unread pages' functions still use.
    if (seen.has(token))
      throw new Error(
        `An AWS listing handed out the pagination token ${token.slice(0, 40)} again; stopped rather than act on part of the list. Run again.`,
      );
    seen.add(token);
  }
}
