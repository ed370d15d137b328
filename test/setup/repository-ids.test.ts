/**
 * lookUpRepositoryIds against a local stand-in for GitHub's REST API: the ids
 * of a public repository, a private one with and without a token, a renamed
 * one (GitHub redirects to its new name), and no answer at all.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lookUpRepositoryIds } from '../../src/setup/repository-ids.js';

const TOKEN = 'ghp_privateReader123';
let server: Server;
let apiUrl: string;
const seen: { url: string; auth?: string }[] = [];

const repo = (fullName: string, id: number, ownerId: number) =>
  JSON.stringify({ id, full_name: fullName, owner: { login: fullName.split('/')[0], id: ownerId } });

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    const json = (status: number, body: string) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    if (req.url === '/repos/octo/shop') return json(200, repo('octo/shop', 987654321, 1342004));
    if (req.url === '/repos/octo/secret' && req.headers.authorization === `Bearer ${TOKEN}`)
      return json(200, repo('octo/secret', 55, 1342004));
    // GitHub redirects an old name to the repository's new one.
    if (req.url === '/repos/octo/old-shop')
      return res.writeHead(301, { location: `${apiUrl}/repositories/987654321` }).end();
    if (req.url === '/repositories/987654321') return json(200, repo('octo/shop', 987654321, 1342004));
    return json(404, JSON.stringify({ message: 'Not Found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('lookUpRepositoryIds', () => {
  it('reads the owner and repository ids of a public repository, with no token', async () => {
    expect(await lookUpRepositoryIds('octo/shop', { apiUrl: `${apiUrl}/`, fetch })).toEqual({
      ownerId: '1342004',
      repoId: '987654321',
      fullName: 'octo/shop',
    });
    expect(seen.at(-1)).toEqual({ url: '/repos/octo/shop', auth: undefined });
  });

  it('a private repository: not found without a token (says which variable to set), read with one', async () => {
    expect(await lookUpRepositoryIds('octo/secret', { apiUrl, fetch })).toEqual({
      problem:
        'GitHub answered 404 for octo/secret: check the name; a private repository needs GH_TOKEN (or GITHUB_TOKEN) set to a token that can read it',
    });
    expect(await lookUpRepositoryIds('octo/secret', { apiUrl, fetch, token: TOKEN })).toEqual({
      ownerId: '1342004',
      repoId: '55',
      fullName: 'octo/secret',
    });
  });

  it('a renamed repository: no ids for the old name, which no workflow sends any more', async () => {
    expect(await lookUpRepositoryIds('octo/old-shop', { apiUrl, fetch })).toEqual({
      problem:
        'GitHub names octo/old-shop octo/shop now (renamed or transferred): use --repository octo/shop',
    });
  });

  it('no answer: says where it asked and why it failed', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await lookUpRepositoryIds('octo/shop', { apiUrl: `http://127.0.0.1:${port}`, fetch });
    expect(result).toEqual({
      problem: expect.stringMatching(
        new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/repos/octo/shop failed: .*\\(ECONNREFUSED\\)$`),
      ),
    });
  });
});
