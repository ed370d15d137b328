/**
 * Issue 13 through the bundled action as the runner starts it: what it shows
 * hides secrets, a function's log line cannot act as a workflow command, and
 * bad input from the event or the workflow fails as one clear line.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHubRecorder, type GitHubRecorder } from '../support/github-recorder.js';
import { pullRequestOpened, runAction, type ActionRun } from '../support/run-action.js';
import { executedCommands } from '../support/workflow-commands.js';

const DB_PASSWORD = 'Pg-Secret-7731-horse';
// A JWT and a PEM key nobody told the action about: only their shapes give them away.
const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvOm9jdG8vc3ZjOnB1bGxfcmVxdWVzdCJ9.U2lnbmF0dXJlT2ZUaGVUb2tlbjEyMzQ1Njc4OTA';
const PEM_LINES = [
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
  'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
];

const APP = `import os

JWT = "${JWT}"
KEY = """-----BEGIN PRIVATE KEY-----
${PEM_LINES.join('\n')}
-----END PRIVATE KEY-----"""


def connect(password):
    raise RuntimeError("login refused for password " + password + " with token " + JWT + " and key " + KEY)


def handler(event, context):
    print("::set-output name=x::y")
    print("##[set-output name=z;]legacy")
    print("connecting with", os.environ["DB_PASSWORD"])
    return connect(os.environ["DB_PASSWORD"])
`;

let root: string;
let github: GitHubRecorder;
const runs: ActionRun[] = [];
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'e2e-security-'));
  github = await startGitHubRecorder();
});
afterAll(async () => {
  await github.close();
  for (const dir of [root, ...runs.map((r) => r.dir)]) rmSync(dir, { recursive: true, force: true });
});

async function run(options: Parameters<typeof runAction>[0]): Promise<ActionRun> {
  const done = await runAction(options);
  runs.push(done);
  return done;
}

/** What the job log shows: stdout without the commands the runner consumes (add-mask is never echoed). */
function shownLog(stdout: string): string {
  const consumed = new Set(
    executedCommands(stdout)
      .filter((c) => c.name === 'add-mask')
      .map((c) => c.line),
  );
  return stdout
    .split(/\r?\n/)
    .filter((_, i) => !consumed.has(i + 1))
    .join('\n');
}

function describeRun(r: ActionRun): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- summary\n${r.summary}`;
}

describe('a failing handler that prints secrets (target: local, pull request, local GitHub API)', () => {
  let result: ActionRun;
  let comment: string;
  beforeAll(async () => {
    const ws = join(root, 'ws');
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, 'app.py'), APP);
    result = await run({
      inputs: {
        name: 'svc',
        target: 'local',
        handler: 'app.handler',
        environment: `DB_PASSWORD=${DB_PASSWORD}\nLOG_LEVEL=info`,
        'smoke-timeout': '3',
      },
      ...pullRequestOpened(7),
      workspace: ws,
      env: { GITHUB_API_URL: github.url },
      timeoutMs: 80_000,
    });
    comment = github.comments.find((c) => c.issue === 7)?.body ?? '';
  }, 90_000);

  test('the deploy fails and the logs are there: in the job log, the summary and the comment', () => {
    expect(result.code).toBe(1);
    for (const text of [result.stdout, result.summary, comment]) {
      expect({
        text: text.includes('RuntimeError: login refused for password'),
        log: describeRun(result),
      }).toEqual({
        text: true,
        log: describeRun(result),
      });
    }
    expect(comment).toContain('<!-- lambda-deploy:svc:pr-7 -->');
    // The runner's loopback URL is no link for a reader of the pull request.
    expect(comment).not.toContain('| **URL** |');
    expect(comment).toContain('local runtime on the runner');
  });

  test('a handler printing an environment secret, a JWT and a PEM key in a traceback: none appears in stdout, the summary or the comment body', () => {
    const places = { stdout: shownLog(result.stdout), summary: result.summary, comment };
    for (const [where, text] of Object.entries(places)) {
      for (const secret of [DB_PASSWORD, JWT, JWT.split('.')[1]!, ...PEM_LINES, 'BEGIN PRIVATE KEY'])
        expect({ where, leaked: text.includes(secret) ? secret : undefined }).toEqual({
          where,
          leaked: undefined,
        });
    }
    // The environment value was registered with the runner too.
    expect(executedCommands(result.stdout)).toContainEqual(
      expect.objectContaining({ name: 'add-mask', data: DB_PASSWORD }),
    );
    // A value too short to be a secret is not masked: masking `info` would star out the log.
    expect(executedCommands(result.stdout)).not.toContainEqual(expect.objectContaining({ data: 'info' }));
  });

  test('a log line `::set-output name=x::y` is shown and has no effect', () => {
    expect(result.stdout).toContain('::set-output name=x::y');
    expect(result.stdout).toContain('##[set-output name=z;]legacy');
    const executed = executedCommands(result.stdout);
    expect(executed.filter((c) => c.name === 'set-output')).toEqual([]);
    expect(executed.filter((c) => c.name === 'stop-commands').length).toBeGreaterThan(0);
    expect(result.outputs.x).toBeUndefined();
    expect(result.outputs.z).toBeUndefined();
  });
});

describe('bad input from the event and the workflow', () => {
  test('a malformed event file gives one error line, not a stack trace', async () => {
    const ws = join(root, 'event-ws');
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, 'app.py'), 'def handler(e, c):\n    return 1\n');
    const eventFile = join(root, 'broken-event.json');
    writeFileSync(eventFile, '{"action": "opened", "number": 7, "pull_request": {');
    const r = await run({
      inputs: { name: 'svc', target: 'local' },
      eventName: 'pull_request',
      workspace: ws,
      env: { GITHUB_EVENT_PATH: eventFile },
    });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^::error::Could not read the event payload GITHUB_EVENT_PATH=.*broken-event\.json: .*JSON.*; expected the JSON object the runner writes there\.$/,
    );
    // No stack trace anywhere, and node did not die on an uncaught exception.
    expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
    expect(r.stderr).not.toMatch(/SyntaxError/);
  });

  test('`path` outside the workspace is refused before anything is built', async () => {
    const ws = join(root, 'path-ws');
    mkdirSync(ws, { recursive: true });
    const r = await run({ inputs: { name: 'svc', command: 'package', path: '/etc' }, workspace: ws });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^::error::Invalid input: path: "\/etc" is not valid; expected a folder inside the workspace .*path-ws/m,
    );
    expect(r.outputs['package-path']).toBeUndefined();
  });

  test('bad pip-args are refused without showing the index password they hold', async () => {
    const ws = join(root, 'pip-ws');
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, 'app.py'), 'def handler(e, c):\n    return 1\n');
    // Not from the secrets context, so the runner would not mask it: an unbalanced quote.
    const pipArgs = '--index-url "https://ci:s3cr3t-index-pw@pypi.example.com/simple';
    const r = await run({ inputs: { name: 'svc', command: 'package', 'pip-args': pipArgs }, workspace: ws });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^::error::Invalid input: pip-args: "--index-url \\"https:\/\/ci:\*\*\*@pypi\.example\.com\/simple" is not valid; expected shell-like arguments \(unbalanced " quote\)/m,
    );
    expect(`${r.stdout}\n${r.stderr}\n${r.summary}`).not.toContain('s3cr3t-index-pw');
  });

  test('a pull request number that is not a positive whole number is refused', async () => {
    const ws = join(root, 'pr-ws');
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, 'app.py'), 'def handler(e, c):\n    return 1\n');
    const r = await run({
      inputs: { name: 'svc', target: 'local' },
      eventName: 'pull_request',
      payload: { action: 'opened', number: 1e21, pull_request: { number: 1e21 } },
      workspace: ws,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '::error::The pull request number of the event is 1e+21; expected a positive whole number, like 42.',
    );
    expect(r.stdout).not.toContain('pr-1e+21');
  });
});
