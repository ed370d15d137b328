/**
 * The serve bench's client, in a process of its own as a browser or a test
 * suite would be: `serve-client.ts WARMUP REQUESTS URL...` holds one
 * keep-alive connection per URL and sends GETs one after another (WARMUP
 * untimed ones to each, then REQUESTS timed ones), taking the URLs in turn
 * in blocks of BLOCK, so every target is measured in the same moments of the
 * machine. Prints one JSON
 * line: per URL, {"totalMs", "latencies"} in ms.
 */
import { Agent, request } from 'node:http';

export interface ClientRun {
  /** The sum of this target's timed requests. */
  totalMs: number;
  latencies: number[];
}

function getter(url: string): { one: () => Promise<void>; close: () => void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(`${url.replace(/\/$/, '')}/bench?name=serve`);
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(target, { agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  return { one, close: () => agent.destroy() };
}

/**
 * Requests in a row to one target before the next: enough for the
 * back-to-back requests a page or a test suite makes, few enough that a busy
 * moment of the machine touches every target alike.
 */
const BLOCK = 100;

async function drive(urls: string[], warmup: number, requests: number): Promise<ClientRun[]> {
  const targets = urls.map(getter);
  try {
    for (const t of targets) for (let i = 0; i < warmup; i++) await t.one();
    const runs: ClientRun[] = urls.map(() => ({ totalMs: 0, latencies: [] }));
    for (let done = 0; done < requests; done += BLOCK) {
      for (const [k, t] of targets.entries()) {
        for (let i = done; i < Math.min(requests, done + BLOCK); i++) {
          const started = performance.now();
          await t.one();
          const ms = performance.now() - started;
          runs[k]!.latencies.push(ms);
          runs[k]!.totalMs += ms;
        }
      }
    }
    return runs;
  } finally {
    for (const t of targets) t.close();
  }
}

async function main(): Promise<void> {
  const [warmup, requests, ...urls] = process.argv.slice(2);
  if (!warmup || !requests || urls.length === 0)
    throw new Error('usage: serve-client.ts WARMUP REQUESTS URL...');
  console.log(JSON.stringify(await drive(urls, Number(warmup), Number(requests))));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
