import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createGitHubRefs, nextLink } from '../../src/reporting/github-refs.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import { startGitHubServer, type GitHubServer } from '../support/github-server.js';

let server: GitHubServer;
beforeAll(async () => {
  server = await startGitHubServer({
    // 250 branches: pages of 100, 100 and 50.
    branches: Array.from({ length: 250 }, (_, i) => `branch-${String(i).padStart(3, '0')}`),
    pulls: new Map([
      [1, 'open'],
      [2, 'closed'],
    ]),
  });
});
afterAll(() => server.close());

function refs(token = server.state.token) {
  const logger = new RecordingLogger();
  const sleep = recordingSleep();
  return {
    logger,
    sleep,
    api: createGitHubRefs({
      apiUrl: server.url,
      repository: 'acme/shop',
      token,
      logger,
      sleep,
      random: () => 1,
    }),
  };
}

describe('createGitHubRefs', () => {
  it('lists every branch across 3 pages, following Link rel="next"', async () => {
    server.state.requests.length = 0;
    const { api, logger } = refs();
    const branches = await api.listBranches();
    expect(branches).toHaveLength(250);
    expect(new Set(branches).size).toBe(250);
    expect(branches.at(-1)).toBe('branch-249');
    expect(server.state.requests.map((r) => r.path)).toEqual([
      '/api/v3/repos/acme/shop/branches?per_page=100',
      '/api/v3/repos/acme/shop/branches?per_page=100&page=2',
      '/api/v3/repos/acme/shop/branches?per_page=100&page=3',
    ]);
    expect(server.state.requests.every((r) => r.authorization === 'Bearer ghs_test_token')).toBe(true);
    expect(logger.secrets).toEqual(['ghs_test_token']);
  });

  it('reads pull request states; a pull request that does not exist is missing', async () => {
    const { api } = refs();
    await expect(api.getPullRequestState(1)).resolves.toBe('open');
    await expect(api.getPullRequestState(2)).resolves.toBe('closed');
    await expect(api.getPullRequestState(3)).resolves.toBe('missing');
  });

  it('retries a 5xx answer with backoff', async () => {
    server.state.failNext = 2;
    const { api, sleep } = refs();
    await expect(api.getPullRequestState(2)).resolves.toBe('closed');
    expect(sleep.calls).toEqual([1000, 2000]);
  });

  it('a bad token fails at once with a hint, never retried, never shown', async () => {
    const { api, sleep } = refs('wrong-token');
    const error = (await api.listBranches().then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/returned 401.*github-token is missing or expired/);
    expect(error.message).not.toContain('wrong-token');
    expect(sleep.calls).toEqual([]);
  });

  it('refuses to send the token to another host named in a Link header', async () => {
    const foreign = await startGitHubServer({ token: 'anything' });
    server.state.linkBase = foreign.url.replace(/\/api\/v3$/, '');
    try {
      const { api } = refs();
      await expect(api.listBranches()).rejects.toThrow(
        /outside http:\/\/127\.0\.0\.1:\d+; refusing to follow it/,
      );
      expect(foreign.state.requests).toEqual([]);
    } finally {
      server.state.linkBase = undefined;
      await foreign.close();
    }
  });

  it('a network failure is retried, then reported with the request it was', async () => {
    const logger = new RecordingLogger();
    const sleep = recordingSleep();
    // A port that was free a moment ago: nothing listens there.
    const closed = await startGitHubServer();
    await closed.close();
    const api = createGitHubRefs({
      apiUrl: closed.url,
      repository: 'acme/shop',
      token: 't',
      logger,
      sleep,
    });
    await expect(api.getPullRequestState(1)).rejects.toThrow(
      /GET \/api\/v3\/repos\/acme\/shop\/pulls\/1 failed: (TypeError: )?fetch failed \(ECONNREFUSED\)/,
    );
    expect(sleep.calls).toHaveLength(4);
  });

  it('rejects a repository that is not owner/repo', () => {
    expect(() =>
      createGitHubRefs({
        apiUrl: server.url,
        repository: 'not a repo',
        token: '',
        logger: new RecordingLogger(),
      }),
    ).toThrow(/owner\/repo/);
  });
});

describe('nextLink', () => {
  it.each<[string | null, string | undefined]>([
    [
      '<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"',
      'https://api.github.com/x?page=2',
    ],
    ['<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"', 'https://a/x?page=3'],
    ['<https://a/x?page=1>; rel="first", <https://a/x?page=4>; rel="last"', undefined],
    ['<https://a/x?page=2>; rel=next', 'https://a/x?page=2'],
    ['<https://a/x?page=2>; rel="next last"', 'https://a/x?page=2'],
    ['<https://a/x?page=2>; rel="nextish"', undefined],
    ['', undefined],
    [null, undefined],
  ])('%s', (header, expected) => {
    expect(nextLink(header)).toBe(expected);
  });
});
