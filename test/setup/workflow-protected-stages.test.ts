import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/entry/cli/cli.js';
import { GITHUB_OIDC_HOST } from '../../src/iam/trust-policy.js';
import type { PolicyDocument } from '../../src/model/policy-document.js';
import { testIo } from '../entry/cli/io.js';
import { callerWorkflow } from '../../src/setup/init-workflow.js';
import { protectedStagesIn } from '../../src/setup/workflow-protected-stages.js';

const DEFAULT = 'main,master,prod,production';

describe('protectedStagesIn: what each lambda-deploy use of a workflow file says protected-stages is', () => {
  it('the file init writes, whatever its lists', () => {
    const base = { name: 'shop', awsRegion: 'eu-west-1' };
    expect(protectedStagesIn(callerWorkflow(base))).toEqual([DEFAULT]);
    expect(protectedStagesIn(callerWorkflow({ ...base, protectedStages: ['prod'] }))).toEqual(['prod']);
    expect(protectedStagesIn(callerWorkflow({ ...base, protectedStages: ['main', 'release/1.x'] }))).toEqual([
      'main,release/1.x',
    ]);
    // Quoted by init: YAML would read true or 10 otherwise.
    expect(protectedStagesIn(callerWorkflow({ ...base, protectedStages: ['true', "it's"] }))).toEqual([
      "true,it's",
    ]);
  });

  it('a step of the action and a job of the reusable workflow, plain, quoted, a block, a comment', () => {
    const text = [
      'jobs:',
      '  a:',
      '    uses: octo/lambda-deploy/.github/workflows/deploy.yml@v1',
      '    with:',
      '      name: shop',
      '      protected-stages: "main, staging"   # the production branches',
      '  b:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v6',
      '      - name: Deploy',
      '        uses: org/lambda-deploy@v1',
      '        with:',
      '          protected-stages: |',
      '            main',
      '            prod',
      '          name: shop',
      '      - uses: org/lambda-deploy@v1',
      '        with: { name: shop }',
      '  c:',
      '    steps:',
      '      - uses: someone/other-action@v1',
      '        with:',
      '          protected-stages: nope',
    ].join('\n');
    expect(protectedStagesIn(text)).toEqual(['main, staging', 'main\nprod', DEFAULT]);
  });

  it('a flow mapping whose protected-stages is a quoted list: the whole list, not its first entry with a quote', () => {
    const use = (value: string) =>
      `jobs:\n  a:\n    uses: o/lambda-deploy/.github/workflows/deploy.yml@v1\n    with: { name: shop, ${value}, aws-region: eu-west-1 }\n`;
    expect(protectedStagesIn(use('protected-stages: "main,staging"'))).toEqual(['main,staging']);
    expect(protectedStagesIn(use("protected-stages: 'main, it''s'"))).toEqual(["main, it's"]);
    expect(protectedStagesIn(use('protected-stages: main'))).toEqual(['main']);
  });

  it('an expression is not known before the run: left out (the reusable workflow passes its input on so)', () => {
    const reusable = readFileSync(new URL('../../.github/workflows/deploy.yml', import.meta.url), 'utf8');
    expect(protectedStagesIn(reusable)).toEqual([]);
    expect(
      protectedStagesIn(
        'jobs:\n  a:\n    uses: o/lambda-deploy/.github/workflows/deploy.yml@v1\n    with:\n      protected-stages: ${{ vars.STAGES }}\n',
      ),
    ).toEqual([]);
  });

  it('a file with no lambda-deploy: nothing', () => {
    expect(
      protectedStagesIn('on: push\njobs:\n  a:\n    steps:\n      - run: echo protected-stages: main\n'),
    ).toEqual([]);
    expect(protectedStagesIn('not: [valid')).toEqual([]);
  });
});

describe("setup in a checkout, without --protected-stages, takes the workflows' one", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A checkout with these workflow files. */
  function checkout(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'lambda-deploy-setup-workflow-'));
    dirs.push(dir);
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    for (const [name, text] of Object.entries(files))
      writeFileSync(join(dir, '.github/workflows', name), text);
    return dir;
  }

  /** setup's template there (no AWS, GitHub out of reach): the preview role's trust, and what setup said. */
  async function setupIn(dir: string, flags: string[] = []) {
    const io = testIo({ ...process.env, AWS_REGION: 'eu-west-1', GITHUB_WORKSPACE: dir });
    const argv = [
      'setup',
      '--name=shop',
      '--repository=octo/shop',
      '--cloudformation',
      '--account=123456789012',
    ];
    expect(await main([...argv, ...flags], io)).toBe(0);
    const template = JSON.parse(io.stdout()) as {
      Resources: Record<
        string,
        { Properties: { RoleName?: string; AssumeRolePolicyDocument?: PolicyDocument } }
      >;
    };
    const preview = Object.values(template.Resources).find(
      (r) => r.Properties.RoleName === 'shop-deploy-preview',
    );
    const condition = preview?.Properties.AssumeRolePolicyDocument?.Statement[0]?.Condition;
    return { excluded: condition?.StringNotLike?.[`${GITHUB_OIDC_HOST}:sub`] ?? [], said: io.stderr() };
  }

  const written = (protectedStages?: string[]) =>
    callerWorkflow({ name: 'shop', awsRegion: 'eu-west-1', ...(protectedStages && { protectedStages }) });

  it('prod alone in the workflow: main is a preview, so the preview role takes its pushes', async () => {
    const { excluded, said } = await setupIn(checkout({ 'lambda-deploy.yml': written(['prod']) }));
    expect(excluded).toEqual([]);
    expect(said).toContain(
      '--protected-stages: not given, so prod, as .github/workflows/lambda-deploy.yml gives lambda-deploy: the roles follow its production branches.',
    );
  });

  it("staging in the workflow: its pushes are production's; --protected-stages still decides when given", async () => {
    const dir = checkout({ 'lambda-deploy.yml': written(['main', 'staging']) });
    expect((await setupIn(dir)).excluded).toEqual([
      'repo:octo/shop:ref:refs/heads/main',
      'repo:octo/shop:ref:refs/heads/staging',
    ]);
    const flagged = await setupIn(dir, ['--protected-stages=main,prod']);
    expect(flagged.excluded).toEqual(['repo:octo/shop:ref:refs/heads/main']);
    expect(flagged.said).not.toContain('--protected-stages: not given');
  });

  it("a workflow that adds production branches beyond main and master: a warning naming them and the checkout's branch", async () => {
    // A pull request's branch checked out: its workflow, not yet reviewed, names the branch itself.
    const dir = checkout({ 'lambda-deploy.yml': written(['main', 'feature-x']) });
    writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/feature-x\n');
    const { excluded, said } = await setupIn(dir);
    expect(excluded).toContain('repo:octo/shop:ref:refs/heads/feature-x');
    expect(said).toContain(
      'warning: --protected-stages: not given, so main,feature-x, as .github/workflows/lambda-deploy.yml gives lambda-deploy (this checkout is on branch feature-x): ' +
        "the production role trusts pushes to feature-x too, beyond setup's default main, master.",
    );
    // The default branches only: said as before, no warning.
    const plain = await setupIn(checkout({ 'lambda-deploy.yml': written(['main', 'prod']) }));
    expect(plain.said).toContain('--protected-stages: not given, so main,prod, as');
    expect(plain.said).not.toContain('warning: --protected-stages');
  });

  it('workflows that disagree: the default, and a warning naming both', async () => {
    const dir = checkout({ 'a.yml': written(['prod']), 'b.yaml': written(['main', 'staging']) });
    const { excluded, said } = await setupIn(dir);
    expect(excluded).toEqual(['repo:octo/shop:ref:refs/heads/main', 'repo:octo/shop:ref:refs/heads/master']);
    expect(said).toContain(
      'warning: --protected-stages: not given, and the workflows give lambda-deploy different ones (prod; main,staging in .github/workflows/a.yml, .github/workflows/b.yaml): setup takes its default, main,master,prod,production',
    );
  });
});
