import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { GetLayerVersionByArnCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  layersUnzippedBytes,
  zipUnzippedSize,
  type RangeReader,
} from '../../../src/resources/layers/layer-size.js';
import { locateCentralDirectory, unzippedSize } from '../../../src/packaging/zip-directory.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { recordingSleep } from '../../../src/util/sleep.js';

const dir = mkdtempSync(join(tmpdir(), 'layer-size-'));

interface ZipSpec {
  name: string;
  sizes: number[];
  comment?: string;
  nameLength?: number;
}

/** Builds every zip with one Python run (zipfile, deflated, compressible content). */
function makeZips(specs: ZipSpec[]): Record<string, { path: string; unzipped: number }> {
  const script = [
    'import sys, zipfile, json',
    'for spec in json.loads(sys.argv[1]):',
    "    with zipfile.ZipFile(spec['path'], 'w', zipfile.ZIP_DEFLATED) as z:",
    "        z.comment = spec.get('comment', '').encode()",
    "        z.writestr('python/', '')",
    "        for i, s in enumerate(spec['sizes']):",
    "            z.writestr('python/pkg/' + str(i).rjust(spec.get('nameLength', 8), 'f') + '.py', 'a' * s)",
  ].join('\n');
  const withPaths = specs.map((s) => ({ ...s, path: join(dir, s.name) }));
  execFileSync('python3', ['-c', script, JSON.stringify(withPaths)]);
  return Object.fromEntries(
    withPaths.map((s) => [s.name, { path: s.path, unzipped: s.sizes.reduce((a, b) => a + b, 0) }]),
  );
}

const zips = makeZips([
  { name: 'small.zip', sizes: [10, 2000, 0, 123_456] },
  { name: 'empty.zip', sizes: [0, 0] },
  { name: 'comment.zip', sizes: [500, 700], comment: 'PK\u0005\u0006 is not the end record' },
  { name: 'big-directory.zip', sizes: Array.from({ length: 1200 }, (_, i) => i % 50), nameLength: 60 },
  { name: 'a.zip', sizes: [100_000, 50_000] },
  { name: 'b.zip', sizes: [7] },
]);
const zip = (name: string) => zips[name] as { path: string; unzipped: number };

const fileReader =
  (path: string, log: [number, number][] = []): RangeReader =>
  async (_url, start, end) => {
    log.push([start, end]);
    return new Uint8Array(readFileSync(path).subarray(start, end + 1));
  };

describe('zip directory', () => {
  it.each(['small.zip', 'empty.zip'])('sums the uncompressed sizes (%s)', async (name) => {
    const { path, unzipped } = zip(name);
    expect(await zipUnzippedSize('file', readFileSync(path).length, fileReader(path))).toBe(unzipped);
  });

  it('finds the end record behind a comment that contains a lookalike signature', async () => {
    const { path } = zip('comment.zip');
    expect(await zipUnzippedSize('file', readFileSync(path).length, fileReader(path))).toBe(1200);
  });

  it('reads a central directory larger than the tail with one more range read', async () => {
    const { path, unzipped } = zip('big-directory.zip');
    const reads: [number, number][] = [];
    expect(await zipUnzippedSize('file', readFileSync(path).length, fileReader(path, reads))).toBe(unzipped);
    expect(reads).toHaveLength(2);
  });

  it('reads ZIP64 sizes from the extra field', () => {
    // One central header whose 32-bit size is 0xFFFFFFFF, with a ZIP64 extra holding 5 GB.
    const name = Buffer.from('python/huge.bin');
    const extra = Buffer.alloc(4 + 16);
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(16, 2);
    extra.writeBigUInt64LE(5_000_000_000n, 4);
    extra.writeBigUInt64LE(4_000_000_000n, 12);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt32LE(0xffffffff, 20);
    header.writeUInt32LE(0xffffffff, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    expect(unzippedSize(Buffer.concat([header, name, extra]), 1)).toBe(5_000_000_000);
  });

  it('says so when the bytes are no zip', () => {
    expect(() => locateCentralDirectory(new Uint8Array(100), 0)).toThrow(/no end of central directory/);
  });
});

describe('layersUnzippedBytes', () => {
  const lambda = new LambdaClient({ region: 'eu-west-1' });
  const mock = mockClient(lambda);
  let server: Server;
  let base = '';
  let honourRange = true;

  beforeAll(async () => {
    // Stands in for S3's presigned Content.Location, on loopback.
    server = createServer((req, res) => {
      const body = readFileSync(join(dir, (req.url ?? '/').slice(1)));
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (!honourRange || !range) {
        res.writeHead(200, { 'content-length': body.length }).end(body);
        return;
      }
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), body.length - 1);
      res
        .writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}` })
        .end(body.subarray(start, end + 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    mock.reset();
    honourRange = true;
    for (const [file, arn] of [
      ['a.zip', 'arn:aws:lambda:eu-west-1:123456789012:layer:a:1'],
      ['b.zip', 'arn:aws:lambda:eu-west-1:999999999999:layer:b:4'],
    ] as const)
      mock.on(GetLayerVersionByArnCommand, { Arn: arn }).resolves({
        Content: { Location: `${base}/${file}`, CodeSize: readFileSync(join(dir, file)).length },
      });
  });

  const deps = () => ({ logger: new RecordingLogger(), sleep: recordingSleep(), random: () => 1 });

  it('counts each layer unzipped, read from its zip directory over HTTP ranges', async () => {
    const result = await layersUnzippedBytes(
      lambda,
      ['arn:aws:lambda:eu-west-1:123456789012:layer:a:1', 'arn:aws:lambda:eu-west-1:999999999999:layer:b:4'],
      deps(),
    );
    expect(result.exact).toBe(true);
    expect(result.layers.map((l) => l.unzippedBytes)).toEqual([150_000, 7]);
    expect(result.totalBytes).toBe(150_007);
    expect(result.layers[0]?.zippedBytes).toBeLessThan(150_000);
  });

  it('falls back to the zipped size (a lower bound) when the range read fails', async () => {
    honourRange = false;
    const d = deps();
    const result = await layersUnzippedBytes(lambda, ['arn:aws:lambda:eu-west-1:123456789012:layer:a:1'], d);
    expect(result.exact).toBe(false);
    expect(result.totalBytes).toBe(readFileSync(zip('a.zip').path).length);
    expect(d.logger.text('debug')).toMatch(/expected 206/);
  });

  it('names the permission when a layer cannot be read', async () => {
    mock.on(GetLayerVersionByArnCommand).rejects(
      Object.assign(new Error('denied'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await expect(
      layersUnzippedBytes(lambda, ['arn:aws:lambda:eu-west-1:1:layer:x:1'], deps()),
    ).rejects.toThrow(/lambda:GetLayerVersion/);
  });
});
