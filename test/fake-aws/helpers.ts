/** Shared pieces of the fake AWS's own tests. */
import { crc32 } from 'node:zlib';
import { expect } from '@jest/globals';
import { RecordingLogger } from '../../src/util/logger.js';
import type { AwsDeps } from '../../src/aws/aws-call.js';
import type { FakeAws } from '../../fakes/aws/index.js';

/** The error an SDK call rejected with: its name, HTTP status and message. */
export async function awsError(
  promise: Promise<unknown>,
): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail, it succeeded');
}

export async function expectAwsError(
  promise: Promise<unknown>,
  name: string,
  status: number,
  message?: string | RegExp,
): Promise<void> {
  const e = await awsError(promise);
  expect({ name: e.name, status: e.status }).toEqual({ name, status });
  if (message !== undefined) expect(e.message).toMatch(message);
}

/** Deps for src modules: a recording logger and the fake's clock as their Sleep. */
export function depsFor(aws: FakeAws): AwsDeps & { logger: RecordingLogger } {
  return {
    logger: new RecordingLogger(),
    sleep: aws.clock.sleep,
    random: () => 1,
    now: () => aws.clock.date(),
  };
}

/**
 * A stored (uncompressed) zip of `files`. `declaredSize` overrides the
 * uncompressed size the central directory states, to stand for a large
 * package without writing one.
 */
export function storedZip(files: Record<string, string | Buffer>, declaredSize?: number): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const nameBytes = Buffer.from(name);
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(declaredSize ?? data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
