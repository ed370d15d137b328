// Jest global teardown: removes the run's temp folder (see global-setup.mjs).
import { rmSync } from 'node:fs';
import { basename } from 'node:path';

export default function removeRunTempFolder() {
  const dir = process.env.TMPDIR;
  // Only the folder global setup made: never a TMPDIR the caller set.
  if (dir && basename(dir).startsWith('lambda-deploy-tests-')) rmSync(dir, { recursive: true, force: true });
}
