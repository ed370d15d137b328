/**
 * A Python module vendored into the function's folder, compiled on a newer
 * Linux than Lambda's: the deploy stops at the build, before any upload or
 * change, naming the file and the glibc it needs.
 */
import { expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { crafted } from '../packaging/elf-fixtures.js';

it('a vendored module that needs GLIBC_2.38: refused by name, nothing uploaded or changed', async () => {
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  // x86_64 (the default architecture), as ubuntu-latest's gcc links it.
  const module = crafted({
    is64: true,
    le: true,
    needed: ['libc.so.6'],
    needs: [{ file: 'libc.so.6', versions: ['GLIBC_2.2.5', 'GLIBC_2.38'] }],
  });
  writeFileSync(join(dir, 'app', '_speedups.abi3.so'), module);
  try {
    // The build throws, before the deploy reaches AWS.
    await expect(
      deployApp(fake, dir, { inputs: { runtime: 'python3.12', gateway: 'none' } }),
    ).rejects.toThrow(
      '_speedups.abi3.so needs glibc 2.38 (GLIBC_2.38), but python3.12 runs on Amazon Linux 2023 with glibc 2.34',
    );
    const writes = fake.calls
      .of({})
      .filter((c) => /^(Put|Create|Update|Delete|Tag|Publish|Add|Upload)/.test(c.operation))
      .map((c) => `${c.service}:${c.operation}`);
    expect(writes).toEqual([]);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});
