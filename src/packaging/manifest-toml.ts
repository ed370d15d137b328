/**
 * pyproject.toml and Pipfile as the tools that own them read them (pure):
 * TOML 1.0, whatever form a table takes (`[ tool.poetry.dependencies ]`,
 * `[tool."poetry".dependencies]`, dotted keys, a sub-table per key). A line
 * search for a header misses those forms, and the lockfile subset refuses
 * them, so both would deploy without the dependencies they declare.
 */
import { isTable, parseToml, TomlSubsetError, type ParsedToml, type TomlTable } from './toml-subset.js';

/** A manifest that is not TOML; the message names the file and the line, as lockfile errors do. */
export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file} line ${line}: ${reason}`);
    this.name = 'ManifestError';
  }
}

/** The manifest's TOML, or an error naming `file` and the line it cannot read. */
export function readManifestToml(text: string, file: string): ParsedToml {
  try {
    return parseToml(text);
  } catch (error) {
    if (error instanceof TomlSubsetError) throw new ManifestError(file, error.line, error.reason);
    throw error;
  }
}

/** The table at `keys` (`tool`, `poetry`, `dependencies`); undefined when a key is missing or not a table. */
export function tableAt(root: TomlTable, ...keys: string[]): TomlTable | undefined {
  let table: TomlTable | undefined = root;
  for (const key of keys) {
    const value: TomlTable[string] | undefined = table?.[key];
    table = isTable(value) ? value : undefined;
  }
  return table;
}
