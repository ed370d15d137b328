import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The first paragraph (the headers) of a dist-info file, and a reader of its fields. */
export async function distInfoHeaders(dir: string, file: string) {
  const text = await readFile(join(dir, file), 'utf8').catch(() => '');
  const head = text.split(/\r?\n\r?\n/)[0] ?? '';
  return (name: string) =>
    [...head.matchAll(new RegExp(`^${name}:\\s*(.+)$`, 'gm'))].map((m) => m[1]!.trim());
}

/** An installed distribution's name and version: its METADATA's, else the dist-info folder's name. */
export async function distributionOf(
  targetDir: string,
  info: string,
): Promise<{ name: string; version: string }> {
  const metadata = await distInfoHeaders(join(targetDir, info), 'METADATA');
  const [name, version] = info.slice(0, -'.dist-info'.length).split('-');
  return { name: metadata('Name')[0] ?? name!, version: metadata('Version')[0] ?? version ?? '' };
}

/**
 * The paths a dist-info RECORD lists (CSV rows: path, hash, size), relative
 * to the folder pip installed into. A path with a comma or a quote is
 * quoted, its quotes doubled.
 */
export function recordPaths(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter(Boolean)
    .map((row) => {
      const quoted = /^"((?:[^"]|"")*)"/.exec(row);
      return quoted ? quoted[1]!.replace(/""/g, '"') : row.split(',')[0]!;
    });
}

/**
 * The distribution (`name version`, from its METADATA) each file pip
 * installed into `dir` came from, by the RECORD of each dist-info folder.
 */
export async function distributionsByPath(dir: string): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  const infos = (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.dist-info')).sort();
  for (const info of infos) {
    const record = await readFile(join(dir, info, 'RECORD'), 'utf8').catch(() => '');
    if (!record) continue;
    const metadata = await distInfoHeaders(join(dir, info), 'METADATA');
    const [name = info, version = ''] = info.slice(0, -'.dist-info'.length).split('-');
    const owner = `${metadata('Name')[0] ?? name} ${metadata('Version')[0] ?? version}`.trim();
    for (const path of recordPaths(record)) owners.set(path, owner);
  }
  return owners;
}
