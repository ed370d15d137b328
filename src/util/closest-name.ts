/** Edit distance: insertions, deletions and substitutions of one character each. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/**
 * The candidate `name` most likely misspells, for "did you mean …?"; undefined
 * when none is near enough (one edit for short names, a quarter of the name,
 * at least two, for longer ones), so an unrelated name gets no suggestion.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const best = candidates
    .map((candidate) => ({ candidate, d: editDistance(name, candidate) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= (name.length < 4 ? 1 : Math.max(2, name.length / 4)) ? best.candidate : undefined;
}
