/** JSON files as tools that allow comments read them (tsconfig.json: tsc --init writes comments). */
import { readFileSync } from 'node:fs';

/** JSON, or JSON with comments and trailing commas as tsconfig.json allows; undefined when missing or unreadable. */
export function readJsonWithComments(path: string): unknown {
  try {
    const text = readFileSync(path, 'utf8')
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
