/**
 * A stand-in for the GitHub REST API on 127.0.0.1: branches in pages, pull
 * requests by number, the (public) repository with its ids, and its
 * deployment environments with their branch policies, and its branches'
 * protection (classic and rulesets), its rulesets. Writes, with the token
 * only: creating an environment (PUT), its deployment branch policies and a
 * branch ruleset (POST, 422 on a name already taken, as GitHub), updating a
 * ruleset (PUT), which then apply to what it answers. A private repository
 * of a GitHub Free account (`freePrivate`) answers ruleset requests and
 * environment writes with GitHub's 403 asking for an upgrade.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHubServerState {
  repository: string;
  token: string;
  branches: string[];
  perPage: number;
  pulls: Map<number, 'open' | 'closed'>;
  /** Base of the URLs in Link headers; defaults to this server. */
  linkBase?: string;
  /** Answer the next N requests with 502. */
  failNext: number;
  requests: { path: string; authorization?: string }[];
  /** The owner's and the repository's numeric ids, answered at /repos/{owner}/{repo} (any case, as GitHub). */
  ids?: { owner: number; repository: number };
  /**
   * Environments by name, answered at /repos/{o}/{r}/environments/{name} and
   * .../deployment-branch-policies (paged): public, read without a token.
   */
  environments?: Record<string, FakeEnvironment>;
  /** Answer every environment request with this status (401 bad token, 403 token without actions:read). */
  environmentsStatus?: number;
  /**
   * Branch protection, answered at /repos/{o}/{r}/branches/{name} (404 for a
   * branch not listed) and /repos/{o}/{r}/rules/branches/{name} (the rule
   * types of rulesets that would apply, whether or not the branch exists,
   * and those of the active rulesets below naming it): public, read without a token.
   */
  protection?: {
    branches: Record<string, { protected: boolean }>;
    rules?: Record<string, string[]>;
  };
  /** The repository's rulesets, at /repos/{o}/{r}/rulesets (paged, summaries) and .../rulesets/{id}: created by POST, changed by PUT. */
  rulesets?: FakeRuleset[];
  /** Every write (PUT, POST), with its JSON body. */
  writes: { method: string; path: string; body: unknown }[];
  /** Answer every write with this status (403: a token without Administration: write). */
  writeStatus?: number;
  /**
   * A private repository of a GitHub Free account: rulesets (listed, read,
   * applying to a branch, written) and environment writes are answered with
   * this status and GitHub's message asking for an upgrade (403 as GitHub; 404 to try the other).
   */
  freePrivate?: number;
  /** Collaborators' logins, at /repos/{o}/{r}/collaborators (token only). */
  collaborators?: string[];
}

/** GitHub's answer for a feature a private repository of a Free account does not have. */
export const UPGRADE_MESSAGE = 'Upgrade to GitHub Pro or make this repository public to enable this feature.';

export interface FakeEnvironment {
  /** As GitHub answers it: null when any branch may deploy. */
  deployment_branch_policy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  branch_policies?: { name: string; type?: 'branch' | 'tag' }[];
}

export interface FakeRuleset {
  id: number;
  name: string;
  target: string;
  enforcement: 'active' | 'evaluate' | 'disabled';
  conditions?: { ref_name?: { include: string[]; exclude: string[] } };
  rules: { type: string; parameters?: object }[];
  bypass_actors?: object[];
  /** An organisation's ruleset that applies to the repository: listed only with includes_parents=true. */
  source_type?: 'Repository' | 'Organization';
  source?: string;
}

/** The rule types of the active rulesets naming the branch (exactly, or ~ALL). */
function rulesetTypes(rulesets: readonly FakeRuleset[], branch: string): string[] {
  return rulesets
    .filter((r) => r.enforcement === 'active')
    .filter((r) => {
      const include = r.conditions?.ref_name?.include ?? [];
      const exclude = r.conditions?.ref_name?.exclude ?? [];
      const ref = `refs/heads/${branch}`;
      return (include.includes(ref) || include.includes('~ALL')) && !exclude.includes(ref);
    })
    .flatMap((r) => r.rules.map((rule) => rule.type));
}

export interface GitHubServer {
  url: string;
  state: GitHubServerState;
  close(): Promise<void>;
}

export async function startGitHubServer(init: Partial<GitHubServerState> = {}): Promise<GitHubServer> {
  const state: GitHubServerState = {
    repository: 'acme/shop',
    token: 'ghs_test_token',
    branches: [],
    perPage: 100,
    pulls: new Map(),
    failNext: 0,
    requests: [],
    writes: [],
    ...init,
  };
  let base = '';
  const server: Server = createServer((req: IncomingMessage, res) => {
    if (req.method === 'GET' || req.method === undefined) return answer(req, res, undefined);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  function answer(req: IncomingMessage, res: ServerResponse, text: string | undefined): void {
    const url = new URL(req.url ?? '/', base);
    state.requests.push({ path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (state.failNext > 0) {
      state.failNext--;
      return json(502, { message: 'Bad gateway' });
    }
    const upgrade = () =>
      json(state.freePrivate!, {
        message: UPGRADE_MESSAGE,
        documentation_url: 'https://docs.github.com/rest/repos/rules',
        status: String(state.freePrivate),
      });
    const rulesetPath = /\/(rules\/branches|rulesets)(\/|$)/.test(url.pathname);
    const environmentWrite = text !== undefined && url.pathname.includes('/environments/');
    if (state.freePrivate && (rulesetPath || environmentWrite)) {
      if (text !== undefined)
        state.writes.push({ method: req.method ?? '', path: url.pathname, body: JSON.parse(text || 'null') });
      return upgrade();
    }
    // GitHub takes a token with either scheme.
    const authorized = [`Bearer ${state.token}`, `token ${state.token}`].includes(
      req.headers.authorization ?? '',
    );
    const prefix = `/api/v3/repos/${state.repository}`;
    if (text !== undefined) return write(req.method ?? '', url.pathname, text, authorized, prefix, json);
    // A public repository: read without a token too, never with a wrong one.
    if (state.ids && url.pathname.toLowerCase() === prefix.toLowerCase()) {
      if (req.headers.authorization && !authorized) return json(401, { message: 'Bad credentials' });
      const [owner] = state.repository.split('/');
      return json(200, {
        id: state.ids.repository,
        full_name: state.repository,
        owner: { login: owner, id: state.ids.owner },
      });
    }
    const environment = new RegExp(`^${prefix}/environments/([^/]+)(/deployment-branch-policies)?$`).exec(
      url.pathname,
    );
    if (state.environments && environment) {
      if (state.environmentsStatus) return json(state.environmentsStatus, { message: 'Forbidden' });
      const found = state.environments[decodeURIComponent(environment[1]!)];
      if (!found) return json(404, { message: 'Not Found' });
      if (!environment[2]) return json(200, { name: decodeURIComponent(environment[1]!), ...found });
      const all = (found.branch_policies ?? []).map((p, i) => ({ id: 1000 + i, type: 'branch', ...p }));
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      return json(200, {
        total_count: all.length,
        branch_policies: all.slice((page - 1) * perPage, page * perPage),
      });
    }
    const branchOrRules = new RegExp(`^${prefix}/(rules/)?branches/([^/]+)$`).exec(url.pathname);
    if (state.protection && branchOrRules) {
      const name = decodeURIComponent(branchOrRules[2]!);
      if (branchOrRules[1])
        return json(
          200,
          [...(state.protection.rules?.[name] ?? []), ...rulesetTypes(state.rulesets ?? [], name)].map(
            (type) => ({ type, ruleset_source_type: 'Repository' }),
          ),
        );
      const branch = state.protection.branches[name];
      return branch
        ? json(200, { name, commit: { sha: '0'.repeat(40) }, protected: branch.protected })
        : json(404, { message: 'Branch not found' });
    }
    if (!authorized) return json(401, { message: 'Bad credentials' });
    if (url.pathname === `${prefix}/rulesets`) {
      // A summary each, as GitHub: no conditions, no rules; the organisation's only with includes_parents.
      const parents = url.searchParams.get('includes_parents') !== 'false';
      const all = (state.rulesets ?? [])
        .filter((r) => parents || (r.source_type ?? 'Repository') === 'Repository')
        .map(({ id, name, target, enforcement, source_type, source }) => ({
          id,
          name,
          target,
          enforcement,
          source_type: source_type ?? 'Repository',
          source: source ?? state.repository,
        }));
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      return json(200, all.slice((page - 1) * perPage, page * perPage));
    }
    const ruleset = new RegExp(`^${prefix}/rulesets/(\\d+)$`).exec(url.pathname);
    if (ruleset) {
      const found = state.rulesets?.find((r) => r.id === Number(ruleset[1]));
      // GitHub answers an empty bypass list to an administrator when there is none.
      return found
        ? json(200, {
            bypass_actors: [],
            source_type: 'Repository',
            source: state.repository,
            ...found,
          })
        : json(404, { message: 'Not Found' });
    }
    if (state.collaborators && url.pathname === `${prefix}/collaborators`) {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      return json(
        200,
        state.collaborators.slice(0, perPage).map((login, i) => ({ login, id: 100 + i })),
      );
    }
    if (url.pathname === `${prefix}/branches`) {
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), state.perPage);
      const page = Number(url.searchParams.get('page') ?? 1);
      const items = state.branches.slice((page - 1) * perPage, page * perPage);
      const last = Math.max(1, Math.ceil(state.branches.length / perPage));
      const link = (p: number) =>
        `<${state.linkBase ?? base}${prefix}/branches?per_page=${perPage}&page=${p}>`;
      const links = [];
      if (page < last) links.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
      if (page > 1) links.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
      return json(
        200,
        items.map((name) => ({ name, commit: { sha: '0'.repeat(40) }, protected: false })),
        links.length ? { link: links.join(', ') } : {},
      );
    }
    const pull = new RegExp(`^${prefix}/pulls/(\\d+)$`).exec(url.pathname);
    if (pull) {
      const stateOf = state.pulls.get(Number(pull[1]));
      return stateOf
        ? json(200, { number: Number(pull[1]), state: stateOf })
        : json(404, { message: 'Not Found' });
    }
    return json(404, { message: 'Not Found' });
  }
  /** PUT an environment, POST its branch policies or a ruleset, PUT a ruleset: as GitHub, the changes apply to later reads. */
  function write(
    method: string,
    path: string,
    text: string,
    authorized: boolean,
    prefix: string,
    json: (status: number, body: unknown) => void,
  ): void {
    const body = JSON.parse(text || 'null') as Record<string, unknown> | null;
    state.writes.push({ method, path, body });
    if (!authorized) return json(401, { message: 'Requires authentication' });
    if (state.writeStatus)
      return json(state.writeStatus, { message: 'Resource not accessible by personal access token' });
    const environment = new RegExp(`^${prefix}/environments/([^/]+)(/deployment-branch-policies)?$`).exec(
      path,
    );
    if (environment) {
      const name = decodeURIComponent(environment[1]!);
      const environments = (state.environments ??= {});
      if (method === 'PUT' && !environment[2]) {
        const policy = (body?.deployment_branch_policy ??
          null) as FakeEnvironment['deployment_branch_policy'];
        environments[name] = { ...environments[name], deployment_branch_policy: policy };
        return json(200, { name, ...environments[name] });
      }
      const found = environments[name];
      if (method === 'POST' && environment[2] && found?.deployment_branch_policy?.custom_branch_policies) {
        const policy = { name: String(body?.name), type: body?.type === 'tag' ? 'tag' : 'branch' } as const;
        (found.branch_policies ??= []).push(policy);
        return json(200, { id: 1000 + found.branch_policies.length - 1, ...policy });
      }
      return json(404, { message: 'Not Found' });
    }
    const rulesets = (state.rulesets ??= []);
    if (method === 'POST' && path === `${prefix}/rulesets`) {
      // GitHub refuses a second ruleset with a name already taken in the repository.
      if (rulesets.some((r) => r.name === body?.name))
        return json(422, { message: 'Validation Failed', errors: ['Name must be unique'], status: '422' });
      const created = { ...body, id: 42 + rulesets.length } as unknown as FakeRuleset;
      rulesets.push(created);
      return json(201, created);
    }
    const ruleset = new RegExp(`^${prefix}/rulesets/(\\d+)$`).exec(path);
    const found = ruleset && rulesets.find((r) => r.id === Number(ruleset[1]));
    if (method === 'PUT' && found) {
      // Only the fields sent change, as GitHub's "Update a repository ruleset".
      if (body?.name !== undefined && rulesets.some((r) => r !== found && r.name === body.name))
        return json(422, { message: 'Validation Failed', errors: ['Name must be unique'], status: '422' });
      Object.assign(found, body, { id: found.id });
      return json(200, found);
    }
    return json(404, { message: 'Not Found' });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/api/v3`,
    state,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
