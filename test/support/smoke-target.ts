/**
 * A local HTTP server standing in for a stage's URL: the fake AWS gives new
 * HTTP APIs an ApiEndpoint of `{url}/{api name}` (see `stageUrlFor`), and each
 * stage answers as the test scripts it (`answer(name, fn)`), by attempt.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SmokeAnswer {
  status: number;
  body?: string;
}

export interface SmokeRequest {
  /** The first path segment: the API (function) name. */
  stage: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
}

export interface SmokeTarget {
  url: string;
  requests: SmokeRequest[];
  /** How `name` answers its n-th request (1-based); 200 `{"message":"Hello"}` by default. */
  answer(name: string, fn: (attempt: number) => SmokeAnswer): void;
  /** For the fake AWS's `stageUrl` option. */
  stageUrlFor(api: { name: string }): string;
  requestsOf(name: string): SmokeRequest[];
  close(): Promise<void>;
}

export async function startSmokeTarget(): Promise<SmokeTarget> {
  const requests: SmokeRequest[] = [];
  const answers = new Map<string, (attempt: number) => SmokeAnswer>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const stage = path.split('/')[1] ?? '';
    const attempt = requests.filter((r) => r.stage === stage).length + 1;
    const answer = answers.get(stage)?.(attempt) ?? {
      status: 200,
      body: JSON.stringify({ message: 'Hello, world!' }),
    };
    requests.push({ stage, path, headers: req.headers, status: answer.status });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    answer: (name, fn) => {
      answers.set(name, fn);
    },
    stageUrlFor: (api) => `${url}/${api.name}`,
    requestsOf: (name) => requests.filter((r) => r.stage === name),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
