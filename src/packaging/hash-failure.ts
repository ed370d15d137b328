/**
 * pip's hash-checking failures, in words that say what to do (pure). pip
 * checks hashes when the requirements carry them (lambda-deploy writes a
 * lockfile's recorded hashes): a downloaded file without one of them is
 * refused, and so is any package pip reaches that the requirements do not
 * pin with hashes (a dependency the lockfile left out).
 */
import { basename } from 'node:path';
import { Inputs } from '../settings/names.js';
import { hasOption } from '../settings/pip-options.js';
import { inputName, type Surface } from '../settings/surface.js';
import { redact } from '../util/redact.js';
import { normalize } from './lock-walk.js';

/** How to write each lockfile again. */
const RELOCK: Record<string, string> = {
  'uv.lock': 'uv lock',
  'poetry.lock': 'poetry lock',
  'Pipfile.lock': 'pipenv lock',
};

/** What a refused build stops: a deploy (the action's, and a default), package's zip, or serve's start (or reload). */
export type BuildFor = 'deploy' | 'package' | 'serve';

/** The closing words of a refused install, for the command that built. */
const NOT_DONE: Record<BuildFor, string> = {
  deploy: 'Nothing was deployed.',
  package: 'No zip was written.',
  serve: 'This build was not served.',
};

/** The install that failed: `lockfile` the requirements were written from (else they are the user's), and the pip-args. */
export interface HashedInstall {
  requirements: string;
  lockfile?: string;
  pipArgs?: readonly string[];
  /** The requirements file has a `--require-hashes` line of its own (requirementsRequireHashes). */
  requireHashesLine?: boolean;
  /** The command that built (default deploy): the message closes with what it stopped. */
  buildFor?: BuildFor;
}

/** Whether a requirements file's text has a `--require-hashes` line, which asks for a hash on every requirement. */
export function requirementsRequireHashes(text: string): boolean {
  return /^[ \t]*--require-hashes[ \t]*(#.*)?$/m.test(text);
}

/** The indented lines pip lists after `heading`, up to the next blank or unindented line. */
function listedAfter(output: string, heading: RegExp): string[] {
  const lines = output.split(/\r?\n/);
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) return [];
  const listed: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(line)) break;
    listed.push(line.trim());
  }
  return listed;
}

/** More than one package in a list of names (`a, b`): a distribution's name has no comma. */
const manyNames = (names: string) => names.includes(', ');

/** A package's hashes (one per file it may be installed from): "its" for one package, "their" for more. */
const hashesOf = (names: string) => (manyNames(names) ? 'their hashes' : 'its hashes');

/**
 * What to do about requirements without a hash: pip says the same whether
 * --require-hashes was asked for or one --hash turned checking on.
 */
function missingHashAdvice(
  names: string,
  facts: { from: string; lock?: string; relock?: string; pipArgs: string; userArgs: readonly string[] },
  line?: boolean,
): string {
  const { from, lock, relock, pipArgs } = facts;
  const required = hasOption(facts.userArgs, '--require-hashes');
  const many = manyNames(names);
  const them = many ? 'them' : 'it';
  const hashes = hashesOf(names);
  if (line && !lock) {
    // With pip-args' --require-hashes too, leaving the line out alone would not help.
    const [asks, out] = required
      ? [
          `the --require-hashes line in ${from} and --require-hashes in ${pipArgs} ask`,
          'leave both out, and the --hash options',
        ]
      : [`the --require-hashes line in ${from} asks`, 'leave that line and the --hash options out'];
    return `  - ${asks} for hashes on every requirement: give ${names} ${hashes} too (pip-compile --generate-hashes writes them all), or ${out};`;
  }
  if (required)
    return `  - --require-hashes in ${pipArgs} asks for hashes on every requirement: leave it out, or give ${names} ${lock ? `a hash in ${lock} (lock it from an index that serves hashes)` : hashes};`;
  if (lock)
    return `  - ${names} ${many ? 'come' : 'comes'} from ${pipArgs} or the environment (PIP_REQUIRE_HASHES), not from ${lock}: add ${them} to your project's dependencies and lock again${relock ? ` (${relock})` : ''}, or leave ${them} out;`;
  return `  - one --hash in ${from} turns hash checking on for every requirement: give ${names} ${hashes} too (pip-compile --generate-hashes writes them all), or leave the --hash options out;`;
}

/**
 * What went wrong when pip refused a file or a requirement in hash-checking
 * mode, or undefined for another failure.
 */
export function explainHashFailure(
  output: string,
  { requirements, lockfile, pipArgs: userArgs = [], requireHashesLine, buildFor = 'deploy' }: HashedInstall,
  surface: Surface = 'action',
  platform = "Lambda's platform",
): string | undefined {
  const pipArgs = inputName(surface, Inputs.PipArgs);
  const lock = lockfile && basename(lockfile);
  const relock = lock && RELOCK[lock] ? RELOCK[lock] : undefined;
  const from = lockfile ?? requirements;
  const notDone = NOT_DONE[buildFor];

  // "    name==1.0 from https://…/name-1.0-….whl (from -r … (line 2)):" then Expected / Got.
  const mismatched = listedAfter(output, /THESE PACKAGES DO NOT MATCH THE HASHES/);
  if (mismatched.length) {
    const packages = mismatched.flatMap((l) => {
      const m = /^(\S+?)==(\S+) from (\S+)/.exec(l);
      return m ? [`${m[1]} ${m[2]} (${redact(m[3]!)})`] : [];
    });
    const got = mismatched.find((l) => /^Got\s/.test(l))?.replace(/^Got\s+/, '');
    return [
      `pip refused ${packages.join(', ') || 'a downloaded file'}: its hash${got ? ` (${got})` : ''} is none of those ${from} records for it, so it is not the file that was locked. The index now serves another file for that version (re-uploaded, replaced, or from another index than the lock's), or the file was tampered with. ${notDone}`,
      'What to do:',
      "  - find out why the file changed (the package's release history, your index's logs) before you trust it;",
      relock
        ? `  - if it is right, lock again (${relock}) and review the changed hashes in ${lock};`
        : `  - if it is right, write its new hash into ${from};`,
      `  - if the lock came from a private index, make sure ${pipArgs} reaches that index (--index-url), so pip does not take the name from another.`,
      // A wheel built for Lambda and given with --find-links (as the no-wheel advice says) is not the locked file.
      ...(lock && mismatched.some((l) => / from file:\/\//.test(l))
        ? [
            `  - if it is a wheel you built and gave with --find-links, ${lock}'s hashes cannot cover it: lock again with that folder among its package sources, or write requirements.txt without hashes in the function's folder (it is installed instead of ${lock}).`,
          ]
        : []),
    ].join('\n');
  }

  // "    name from https://… (from parent==1.0->-r … (line 1))": a package pip reached that has no hash.
  const unpinned = listedAfter(
    output,
    /In --require-hashes mode, all requirements must have their versions pinned with ==/,
  );
  const missing = listedAfter(output, /Hashes are required in --require-hashes mode, but they are missing/);
  const without = [...unpinned, ...missing].map((l) => /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(l)?.[0] ?? l);
  if (!without.length) return undefined;
  const needed = unpinned.map((l) => /\(from ([^-\s]+?)->/.exec(l)?.[1]).find((n) => n !== undefined);
  const names = [...new Set(without)].join(', ');
  // "Ignoring name: markers '…' don't match your environment": pinned, but only where its marker holds.
  const markerOf = new Map(
    [...output.matchAll(/^Ignoring (\S+): markers '(.*)' don't match your environment/gm)].map(
      (m) => [normalize(m[1]!), m[2]!] as const,
    ),
  );
  const ignored = without.find((n) => markerOf.has(normalize(n)));
  if (ignored && unpinned.length)
    return [
      `${from} pins ${ignored} only where ${markerOf.get(normalize(ignored))}, which is false for ${platform}, yet ${needed ?? 'another package'} requires it there; pip checks every package against the hashes in ${from} and refuses one it leaves out. ${notDone}`,
      'What to do:',
      lock === 'Pipfile.lock'
        ? '  - Pipfile.lock holds the markers of the machine pipenv locked it on: lock it on Linux (pipenv lock in a Linux container or in CI).'
        : relock
          ? `  - lock again (${relock}); if ${lock} still pins ${ignored} only there, add ${ignored} to your project's dependencies, lock again and commit ${lock}.`
          : `  - drop the marker from ${ignored}'s line in ${from}, or pin ${ignored} with its hashes on a line of its own.`,
    ].join('\n');
  const what = [
    `pip checks every package against the hashes in ${from}, and ${from} has none for ${names}${needed ? ` (needed by ${needed})` : ''}: pip refuses a package it cannot check. ${notDone}`,
    'What to do:',
  ];
  if (missing.length)
    what.push(missingHashAdvice(names, { from, lock, relock, pipArgs, userArgs }, requireHashesLine));
  if (!unpinned.length) return what.join('\n');
  if (lock === 'Pipfile.lock')
    what.push(
      '  - Pipfile.lock lists the packages of the machine pipenv locked it on: one only Linux needs is left out when it was locked on macOS or Windows. Lock it on Linux (pipenv lock in a Linux container or in CI), or add the package to Pipfile and lock again.',
    );
  else if (relock)
    what.push(
      `  - ${lock} is out of date with what its packages require: lock again (${relock}) and commit ${lock}.`,
    );
  else
    what.push(
      `  - add ${names} to ${from}, pinned with == and with ${hashesOf(names)} (pip-compile --generate-hashes writes them all).`,
    );
  return what.join('\n');
}
