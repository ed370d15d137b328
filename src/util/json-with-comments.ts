/** JSON files as tools that allow comments read them (tsconfig.json: tsc --init writes comments). */
import { readFileSync } from 'node:fs';

/** JSON, or JSON with comments and trailing commas as tsconfig.json allows (a byte-order mark skipped); undefined when missing or unreadable. */
export function readJsonWithComments(path: string): unknown {
  try {
    const text = readFileSync(path, 'utf8')
      // A byte-order mark skipped, as tsc and npm skip it (editors on Windows write one).
      .replace(/^\uFEFF/, '')
      // Strings kept whole; comments dropped.
      .replace(
        /("(?:[^"\\\n]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g,
        (_, str: string | undefined) => str ?? '',
      )
      .replace(
        /("(?:[^"\\\n]|\\.)*")|,(\s*[}\]])/g,
        (_, str: string | undefined, close: string) => str ?? close,
      );
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
