/**
 * A stand-in for the GitHub REST API on 127.0.0.1: keeps comments,
 * deployments, deployment statuses, pull requests and branches in memory,
 * records every request, and paginates lists with Link headers as GitHub
 * does. Point the code at it with GITHUB_API_URL (or `apiUrl`) = `url`.
 *
 *   const gh = await startGitHubRecorder({ maxPerPage: 2 });
 *   ... run ...
 *   expect(gh.comments).toHaveLength(1);
 *   await gh.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. /repos/o/r/issues/1/comments */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined. */
  body: unknown;
  /** The status the recorder answered. */
  status?: number;
}

export interface StoredComment {
  id: number;
  repository: string;
  issue: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface StoredDeployment {
  id: number;
  repository: string;
  ref: string;
  environment: string;
  description: string | null;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  autoMerge: unknown;
  requiredContexts: unknown;
  createdAt: string;
  /** Who created it; the recorder's login when not seeded otherwise. */
  creator?: string;
}

export interface StoredStatus {
  id: number;
  deploymentId: number;
  state: string;
  environmentUrl: string;
  logUrl: string;
  description: string;
}

export interface StoredPull {
  repository?: string;
  number: number;
  state: 'open' | 'closed';
  /** head branch name */
  head?: string;
  merged?: boolean;
}

export interface RecorderOptions {
  /** Caps per_page so a test sees several pages without hundreds of items. */
  maxPerPage?: number;
  /** Answers a request with an error instead (e.g. 403 "Resource not accessible by integration"). */
  deny?: (
    request: RecordedRequest,
  ) => { status: number; message: string; headers?: Record<string, string> } | undefined;
  pulls?: StoredPull[];
  /** Branch names (of every repository) for GET .../branches and .../branches/{name}. */
  branches?: string[];
  /** The author of created comments; github-actions[bot] by default. */
  login?: string;
}

export interface GitHubRecorder {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  requests: RecordedRequest[];
  comments: StoredComment[];
  deployments: StoredDeployment[];
  statuses: StoredStatus[];
  pulls: StoredPull[];
  branches: string[];
  /** Seeds a comment as if someone had written it earlier. */
  addComment(issue: number, body: string, user?: string, repository?: string): StoredComment;
  /** The statuses of one deployment, oldest first. */
  statusesOf(deploymentId: number): StoredStatus[];
  close(): Promise<void>;
}

const FORBIDDEN = 'Resource not accessible by integration';
/** GitHub refuses a comment body longer than this (422, "body is too long"). */
const MAX_COMMENT_CHARS = 65_536;
const TOO_LONG = {
  message: 'Validation Failed',
  errors: [
    {
      resource: 'IssueComment',
      code: 'unprocessable',
      field: 'data',
      message: 'Body is too long (maximum is 65536 characters)',
    },
  ],
};

export async function startGitHubRecorder(options: RecorderOptions = {}): Promise<GitHubRecorder> {
  const requests: RecordedRequest[] = [];
  const comments: StoredComment[] = [];
  const deployments: StoredDeployment[] = [];
  const statuses: StoredStatus[] = [];
  const pulls: StoredPull[] = [...(options.pulls ?? [])];
  const branches: string[] = [...(options.branches ?? [])];
  let nextId = 1000;
  let url = '';
  const now = () => new Date().toISOString();
  const login = options.login ?? 'github-actions[bot]';

  const commentJson = (c: StoredComment) => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    body: c.body,
    user: { login: c.user, type: 'Bot' },
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    html_url: `https://github.com/${c.repository}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${url}/repos/${c.repository}/issues/${c.issue}`,
  });
  const deploymentJson = (d: StoredDeployment) => ({
    id: d.id,
    node_id: `DE_${d.id}`,
    ref: d.ref,
    sha: d.ref,
    task: 'deploy',
    environment: d.environment,
    original_environment: d.environment,
    description: d.description,
    transient_environment: d.transientEnvironment,
    production_environment: d.productionEnvironment,
    payload: {},
    creator: { login: d.creator ?? login, type: 'Bot' },
    created_at: d.createdAt,
    updated_at: d.createdAt,
    url: `${url}/repos/${d.repository}/deployments/${d.id}`,
    statuses_url: `${url}/repos/${d.repository}/deployments/${d.id}/statuses`,
  });
  const statusJson = (s: StoredStatus) => ({
    id: s.id,
    state: s.state,
    environment_url: s.environmentUrl,
    log_url: s.logUrl,
    target_url: s.logUrl,
    description: s.description,
    created_at: now(),
  });
  const pullJson = (p: StoredPull, repository: string) => ({
    number: p.number,
    state: p.state,
    merged_at: p.merged ? now() : null,
    head: { ref: p.head ?? `branch-${p.number}`, sha: 'a'.repeat(40), repo: { full_name: repository } },
    base: { ref: 'main', repo: { full_name: repository } },
  });

  function send(
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    record.status = status;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  /** One page of `items` plus GitHub's Link header. */
  function page<T>(record: RecordedRequest, items: T[]): { items: T[]; headers: Record<string, string> } {
    const requested = Number(record.query.per_page ?? 30) || 30;
    const perPage = Math.max(1, Math.min(100, requested, options.maxPerPage ?? 100));
    const pageNo = Math.max(1, Number(record.query.page ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const linkTo = (n: number) => {
      const q = new URLSearchParams({ ...record.query, per_page: String(perPage), page: String(n) });
      return `${url}${record.path}?${q.toString()}`;
    };
    const links: string[] = [];
    if (pageNo < last) links.push(`<${linkTo(pageNo + 1)}>; rel="next"`, `<${linkTo(last)}>; rel="last"`);
    if (pageNo > 1) links.push(`<${linkTo(1)}>; rel="first"`, `<${linkTo(pageNo - 1)}>; rel="prev"`);
    return {
      items: items.slice((pageNo - 1) * perPage, pageNo * perPage),
      headers: links.length ? { link: links.join(', ') } : {},
    };
  }

  /**
   * GitHub's auto_inactive (default true): a success marks inactive every earlier successful
   * deployment of the same environment that is neither transient nor production; those two kinds
   * stay as they were.
   */
  function autoInactive(latest: StoredDeployment): void {
    for (const d of deployments) {
      if (d.id >= latest.id || d.repository !== latest.repository || d.environment !== latest.environment)
        continue;
      if (d.transientEnvironment || d.productionEnvironment) continue;
      if (statuses.filter((s) => s.deploymentId === d.id).at(-1)?.state !== 'success') continue;
      statuses.push({
        id: nextId++,
        deploymentId: d.id,
        state: 'inactive',
        environmentUrl: '',
        logUrl: '',
        description: '',
      });
    }
  }

  function route(record: RecordedRequest, res: ServerResponse): void {
    const { method, path } = record;
    const body = (record.body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;
    const list = <T>(items: T[], map: (item: T) => unknown) => {
      const p = page(record, items);
      send(res, record, 200, p.items.map(map), p.headers);
    };

    // GraphQL: only `viewer { login }`, the way a token learns whose comments are its own.
    if ((path === '/graphql' || path === '/api/graphql') && method === 'POST') {
      const query = typeof body.query === 'string' ? body.query : '';
      if (/viewer\s*\{\s*login\s*\}/.test(query))
        return send(res, record, 200, { data: { viewer: { login } } });
      return send(res, record, 200, { errors: [{ message: `The recorder does not answer ${query}` }] });
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(path))) {
      const repository = m[1] as string;
      const issue = Number(m[2]);
      if (method === 'GET')
        return list(
          comments.filter((c) => c.repository === repository && c.issue === issue),
          commentJson,
        );
      if (method === 'POST') {
        if (typeof body.body !== 'string') return send(res, record, 422, { message: 'body is required' });
        if (body.body.length > MAX_COMMENT_CHARS) return send(res, record, 422, TOO_LONG);
        const c: StoredComment = {
          id: nextId++,
          repository,
          issue,
          body: body.body,
          user: login,
          createdAt: now(),
          updatedAt: now(),
        };
        comments.push(c);
        return send(res, record, 201, commentJson(c));
      }
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(path))) {
      const c = comments.find((x) => x.repository === m?.[1] && x.id === Number(m?.[2]));
      if (!c) return send(res, record, 404, { message: 'Not Found' });
      if (method === 'GET') return send(res, record, 200, commentJson(c));
      if (method === 'PATCH') {
        if (typeof body.body !== 'string') return send(res, record, 422, { message: 'body is required' });
        if (body.body.length > MAX_COMMENT_CHARS) return send(res, record, 422, TOO_LONG);
        c.body = body.body;
        c.updatedAt = now();
        return send(res, record, 200, commentJson(c));
      }
      if (method === 'DELETE') {
        comments.splice(comments.indexOf(c), 1);
        return send(res, record, 204, undefined);
      }
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/deployments$/.exec(path))) {
      const repository = m[1] as string;
      if (method === 'POST') {
        if (typeof body.ref !== 'string' || !body.ref)
          return send(res, record, 422, { message: 'ref is required' });
        const d: StoredDeployment = {
          id: nextId++,
          repository,
          ref: body.ref,
          environment: typeof body.environment === 'string' ? body.environment : 'production',
          description: typeof body.description === 'string' ? body.description : null,
          transientEnvironment: body.transient_environment === true,
          productionEnvironment: body.production_environment === true,
          autoMerge: body.auto_merge,
          requiredContexts: body.required_contexts,
          createdAt: now(),
        };
        deployments.push(d);
        return send(res, record, 201, deploymentJson(d));
      }
      if (method === 'GET') {
        const { environment, ref } = record.query;
        // GitHub lists the newest first.
        const found = deployments
          .filter(
            (d) =>
              d.repository === repository &&
              (!environment || d.environment === environment) &&
              (!ref || d.ref === ref),
          )
          .reverse();
        return list(found, deploymentJson);
      }
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/deployments\/(\d+)\/statuses$/.exec(path))) {
      const d = deployments.find((x) => x.repository === m?.[1] && x.id === Number(m?.[2]));
      if (!d) return send(res, record, 404, { message: 'Not Found' });
      if (method === 'POST') {
        const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
        if (typeof body.state !== 'string' || !states.includes(body.state))
          return send(res, record, 422, { message: 'state is invalid' });
        if (typeof body.description === 'string' && body.description.length > 140) {
          return send(res, record, 422, { message: 'description is too long (maximum is 140 characters)' });
        }
        const s: StoredStatus = {
          id: nextId++,
          deploymentId: d.id,
          state: body.state,
          environmentUrl: typeof body.environment_url === 'string' ? body.environment_url : '',
          logUrl: typeof body.log_url === 'string' ? body.log_url : '',
          description: typeof body.description === 'string' ? body.description : '',
        };
        statuses.push(s);
        if (s.state === 'success' && body.auto_inactive !== false) autoInactive(d);
        return send(res, record, 201, statusJson(s));
      }
      if (method === 'GET')
        return list(statuses.filter((s) => s.deploymentId === d.id).reverse(), statusJson);
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/pulls$/.exec(path)) && method === 'GET') {
      const repository = m[1] as string;
      const state = record.query.state ?? 'open';
      const found = pulls.filter(
        (p) => (p.repository ?? repository) === repository && (state === 'all' || p.state === state),
      );
      return list(found, (p) => pullJson(p, repository));
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)$/.exec(path)) && method === 'GET') {
      const repository = m[1] as string;
      const p = pulls.find((x) => (x.repository ?? repository) === repository && x.number === Number(m?.[2]));
      return p
        ? send(res, record, 200, pullJson(p, repository))
        : send(res, record, 404, { message: 'Not Found' });
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/branches$/.exec(path)) && method === 'GET') {
      return list(branches, (name) => ({ name, commit: { sha: 'b'.repeat(40) }, protected: false }));
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/branches\/(.+)$/.exec(path)) && method === 'GET') {
      const name = decodeURIComponent(m[2] as string);
      return branches.includes(name)
        ? send(res, record, 200, { name, commit: { sha: 'b'.repeat(40) }, protected: false })
        : send(res, record, 404, { message: 'Branch not found' });
    }
    send(res, record, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        // GitHub Enterprise style /api/v3 prefixes work too.
        path: parsed.pathname.replace(/^\/api\/v3(?=\/)/, ''),
        query: Object.fromEntries(parsed.searchParams),
        headers: req.headers,
        body: await readBody(req),
      };
      requests.push(record);
      const denied = options.deny?.(record);
      if (denied) {
        const body = {
          message: denied.message || FORBIDDEN,
          documentation_url: 'https://docs.github.com/rest',
        };
        return send(res, record, denied.status, body, denied.headers);
      }
      route(record, res);
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    comments,
    deployments,
    statuses,
    pulls,
    branches,
    addComment(issue, body, user = 'someone', repository = 'octo/repo') {
      const c: StoredComment = {
        id: nextId++,
        repository,
        issue,
        body,
        user,
        createdAt: now(),
        updatedAt: now(),
      };
      comments.push(c);
      return c;
    },
    statusesOf: (deploymentId) => statuses.filter((s) => s.deploymentId === deploymentId),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A `deny` that answers 403 "Resource not accessible by integration" to the matching method and path. */
export function denyWith403(method: string, pathPattern: RegExp): RecorderOptions['deny'] {
  return (r) =>
    r.method === method && pathPattern.test(r.path) ? { status: 403, message: FORBIDDEN } : undefined;
}
