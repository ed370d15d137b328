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
    // A token seen twice would loop forever: stop instead.
    if (!token || seen.has(token)) return all;
    seen.add(token);
  }
}
