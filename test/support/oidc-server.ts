/**
 * The runner's OIDC token endpoint on 127.0.0.1: what ACTIONS_ID_TOKEN_REQUEST_URL
 * and ACTIONS_ID_TOKEN_REQUEST_TOKEN point at in a job with
 * `permissions: id-token: write`. Answers `{"value": JWT}` to a request that
 * carries the bearer request token, and records every request.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OidcRequest {
  audience: string | null;
  authorization: string | undefined;
  status: number;
}

export interface OidcServer {
  /** The runner's form: a URL with a query, to which the client appends `&audience=`. */
  url: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN: the bearer the request must carry. */
  requestToken: string;
  /** The JWTs handed out. */
  tokens: string[];
  requests: OidcRequest[];
  env(): Record<string, string>;
  close(): Promise<void>;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startOidcServer(claims: Record<string, string> = {}): Promise<OidcServer> {
  const requestToken = `fakeRequestToken${randomBytes(12).toString('hex')}`;
  const tokens: string[] = [];
  const requests: OidcRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: OidcRequest = {
      audience: url.searchParams.get('audience'),
      authorization: req.headers.authorization,
      status: 0,
    };
    requests.push(record);
    if (req.headers.authorization !== `Bearer ${requestToken}`) {
      record.status = 401;
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Bad credentials' }));
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const token = [
      b64({ alg: 'RS256', typ: 'JWT', kid: 'fake' }),
      b64({
        iss: 'https://token.actions.githubusercontent.com',
        aud: record.audience ?? 'https://github.com/octo',
        sub: 'repo:octo/svc:ref:refs/heads/main',
        repository: 'octo/svc',
        ref: 'refs/heads/main',
        event_name: 'push',
        iat: now,
        nbf: now - 5,
        exp: now + 300,
        ...claims,
      }),
      randomBytes(32).toString('base64url'),
    ].join('.');
    tokens.push(token);
    record.status = 200;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count: 1, value: token }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_apis/distributedtask/hubs/build/plans/1/jobs/2/idtoken?api-version=2.0`;
  return {
    url,
    requestToken,
    tokens,
    requests,
    env: () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
