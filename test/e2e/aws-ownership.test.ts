/**
 * Issue 13 through the bundled action against the fake AWS on 127.0.0.1: a
 * function that is not this stage's is refused before anything is uploaded
 * or changed (unless `adopt: true` for an untagged one), and an object
 * planted at the predictable artifact key is not what gets deployed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FakeAws } from '../../fakes/aws/index.js';
import { startFakeAwsForAction } from '../support/action-aws.js';
import { startSmokeTarget, type SmokeTarget } from '../support/smoke-target.js';
import { runAction, type ActionRun } from '../support/run-action.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../examples/handler');
const BUCKET = 'lambda-deploy-123456789012-us-east-1';
const WRITES = /^(Create|Update|Put|Publish|Delete|Add|Remove|Tag|Untag|Upload|Complete)/;
const TIMEOUT = 90_000;

let aws: FakeAws;
let smoke: SmokeTarget;
let ws: string;
const runs: ActionRun[] = [];

beforeAll(async () => {
  smoke = await startSmokeTarget();
  aws = await startFakeAwsForAction({ stageUrl: smoke.stageUrlFor });
  aws.seed.setup('svc'); // lambda-deploy setup ran: the production execution role's boundary exists
  ws = mkdtempSync(join(tmpdir(), 'aws-ownership-ws-'));
  cpSync(EXAMPLE, ws, { recursive: true });
});
afterAll(async () => {
  await Promise.all([aws?.close(), smoke?.close()]);
  for (const dir of [ws, ...runs.map((r) => r.dir)]) rmSync(dir, { recursive: true, force: true });
});

async function deploy(inputs: Record<string, string> = {}): Promise<ActionRun> {
  const run = await runAction({
    inputs: { name: 'svc', 'smoke-timeout': '3', ...inputs },
    workspace: ws,
    env: { ...aws.env(), ...aws.staticCredentialsEnv() },
  });
  runs.push(run);
  return run;
}

function details(run: ActionRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- summary\n${run.summary}`;
}

function expectOk(run: ActionRun): void {
  expect({ code: run.code, log: run.code === 0 ? '' : details(run) }).toEqual({ code: 0, log: '' });
}

/** A new version of the code, so a deploy has something to change. */
function changeCode(n: number): void {
  writeFileSync(join(ws, 'app.py'), `${readFileSync(join(ws, 'app.py'), 'utf8')}\n# change ${n}\n`);
}

const live = () => aws.account.functions.get('svc-main')?.aliases.get('live')?.FunctionVersion;

describe('deploy of a stage whose function is not ours', () => {
  test(
    'an untagged function is refused without adopt, before anything is uploaded or changed; adopt: true takes it over',
    async () => {
      expectOk(await deploy());
      expect(live()).toBe('1');
      // Someone's own function that happens to be called svc-main.
      const fn = aws.account.functions.get('svc-main')!;
      fn.tags = { team: 'billing' };
      changeCode(1);
      aws.calls.clear();
      const refused = await deploy();
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(
        /::error::.*Function svc-main exists but was not created by lambda-deploy \(it has no lambda-deploy tags\), so this deploy leaves it alone\. Set adopt: true/,
      );
      expect(aws.calls.operations().filter((o) => WRITES.test(o.split(':')[1]!))).toEqual([]);
      expect(fn.tags).toEqual({ team: 'billing' });
      expect(live()).toBe('1');

      const adopted = await deploy({ adopt: 'true' });
      expectOk(adopted);
      expect(adopted.stdout).toContain('adopting it (adopt: true)');
      expect(fn.tags).toMatchObject({
        team: 'billing',
        'lambda-deploy:name': 'svc',
        'lambda-deploy:repository': 'octo/svc',
      });
      expect(live()).toBe('2');
    },
    TIMEOUT,
  );

  test(
    'a same-name stage of another repository is left alone by deploy, with or without adopt',
    async () => {
      const fn = aws.account.functions.get('svc-main')!;
      fn.tags['lambda-deploy:repository'] = 'other-org/svc';
      changeCode(2);
      for (const adopt of ['false', 'true']) {
        aws.calls.clear();
        const refused = await deploy({ adopt });
        expect(refused.code).toBe(1);
        expect(refused.stdout).toContain(
          "Function svc-main is stage main of repository other-org/svc, not of octo/svc (tag lambda-deploy:repository); lambda-deploy never changes another repository's stage",
        );
        expect(aws.calls.operations().filter((o) => WRITES.test(o.split(':')[1]!))).toEqual([]);
      }
      expect(live()).toBe('2');
      fn.tags['lambda-deploy:repository'] = 'octo/svc';
    },
    TIMEOUT,
  );
});

describe('an object planted at the artifact key', () => {
  test(
    'a planted same-size object at the artifact key is not reused: this package is uploaded over it and deployed',
    async () => {
      changeCode(3);
      const packaged = await deploy({ command: 'package' });
      expectOk(packaged);
      const zip = readFileSync(packaged.outputs['package-path']!);
      const key = `lambda-deploy/svc/${createHash('sha256').update(zip).digest('hex')}.zip`;
      // A preview job computed the key of the (reproducible) zip and wrote other bytes of the same size there.
      const planted = Buffer.alloc(zip.length, 0x41);
      aws.seed.object(BUCKET, key, planted);
      aws.calls.clear();
      const run = await deploy();
      expectOk(run);
      expect(run.stdout).toMatch(/::warning::Artifact s3:.* does not hold this package/);
      expect(aws.calls.operations('s3')).toContain('PutObject');
      expect(aws.object(BUCKET, key)?.equals(zip)).toBe(true);
      expect(aws.account.functions.get('svc-main')!.latest.CodeSha256).toBe(run.outputs['code-sha256']);
      expect(run.outputs['code-sha256']).toBe(createHash('sha256').update(zip).digest('base64'));
    },
    TIMEOUT,
  );
});
