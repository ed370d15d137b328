/** Small Markdown and number formatting helpers for the summary and the PR comment. Pure. */

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** Text safe inside one table cell: no pipe ends the cell, no line break (a lone CR too) ends the row. */
export function cell(text: string): string {
  return text.replace(/\r\n?|\n/g, ' ').replace(/\|/g, '\\|');
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = '`'.repeat(longest + 1);
  return longest ? `${ticks} ${text} ${ticks}` : `${ticks}${text}${ticks}`;
}

/** A link whose target cannot break out of the Markdown. */
export function link(url: string, text = url): string {
  const target = url.replace(
    /[()<>\s]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  return `[${text.replace(/[[\]]/g, '\\$&')}](${target})`;
}

/** A fenced block that the content cannot close early. */
export function fenced(text: string, info = 'text'): string {
  const longest = Math.max(0, ...(text.match(/`{3,}/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text.replace(/\n+$/, '')}\n${fence}`;
}

/** A collapsed block; GitHub needs the blank line after `</summary>` to render Markdown inside. */
export function details(summary: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`;
}

/**
 * Text from outside (a function's error message, an AWS error) shown as text: its HTML
 * (an open `<!--` that hides the rest, `</details>`, `<img>`) is escaped, its brackets are
 * entities so `![](url)` and `[our URL](elsewhere)` show as written instead of an image or a
 * disguised link, and an `@name` or `#123` gets a zero-width space so GitHub shows it without
 * notifying anyone or cross-referencing an issue; code spans are left as they are, where all of
 * that is inert and an escape would show.
 */
export function plainText(text: string): string {
  const inert = (part: string) => noReferences(noMentions(noLinks(escapeHtml(part))));
  return text
    .split(/(`+)([\s\S]*?[^`]\1(?!`)|)/)
    .map((part, i, all) => {
      if (i % 3 === 1) return all[i + 1] ? `${part}${all[i + 1]}` : inert(part);
      return i % 3 === 2 ? '' : inert(part);
    })
    .join('');
}

/** `@user`, `@org/team` (not `a@b.c`): `@&#8203;user`, shown as `@user` but no mention. */
function noMentions(text: string): string {
  return text.replace(/(^|[^A-Za-z0-9_])@(?=[A-Za-z0-9])/g, '$1@&#8203;');
}

/** `[` and `]` as entities: CommonMark never reads an entity as link or image syntax. */
function noLinks(text: string): string {
  return text.replace(/\[/g, '&#91;').replace(/\]/g, '&#93;');
}

/** `#12`, `org/repo#12` (not the `&#91;` entities made here): `#&#8203;12`, shown as `#12` but no reference. */
function noReferences(text: string): string {
  return text.replace(/(^|[^&])#(?=\d)/g, '$1#&#8203;');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A two-column table of facts. */
export function factTable(rows: readonly (readonly [string, string])[]): string {
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| **${cell(k)}** | ${cell(v)} |`)].join('\n');
}
