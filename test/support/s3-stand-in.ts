/**
 * s3rver on 127.0.0.1 behind a small recording proxy: every request is
 * logged (method, path, status), and GETs of chosen keys can have one byte
 * of their body flipped on the way out (an archive damaged at rest or in
 * transit, as the function receives it). Headers pass unchanged, so s3rver
 * still verifies the SigV4 signature the client computed for the proxy's
 * host.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3Request {
  method: string;
  path: string;
  status: number;
}

export interface S3StandIn {
  /** The proxy's URL: what AWS_ENDPOINT_URL_S3 points at. */
  url: string;
  requests: S3Request[];
  /** GETs whose path ends with this get one byte flipped in the middle of their body. */
  corruptSuffix?: string;
  /** Environment for a process that talks to it: endpoint and s3rver's keys. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export async function startS3StandIn(): Promise<S3StandIn> {
  const dir = mkdtempSync(join(tmpdir(), 's3-stand-in-'));
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port: backend } = await s3rver.run();
  const requests: S3Request[] = [];
  const self: Partial<S3StandIn> = { requests };

  const proxy: Server = createServer((req, res) => {
    const upstream = request(
      { host: '127.0.0.1', port: backend, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const path = (req.url ?? '').split('?')[0]!;
        requests.push({ method: req.method ?? '', path, status: answer.statusCode ?? 0 });
        const corrupt = req.method === 'GET' && self.corruptSuffix && path.endsWith(self.corruptSuffix);
        if (!corrupt) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          if (body.length) body[Math.floor(body.length / 2)]! ^= 0x10;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
        });
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return Object.assign(self, {
    url,
    env: () => ({ AWS_ENDPOINT_URL_S3: url, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' }),
    close: async () => {
      proxy.closeAllConnections();
      await new Promise<void>((done) => proxy.close(() => done()));
      await s3rver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  }) as S3StandIn;
}
