import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { setupCommandFor, setupCommandLine } from '../../src/model/setup-command.js';
import { branchStage } from '../../src/model/stage-name.js';

const CLI = 'npx github:org/lambda-deploy setup';

describe('setupCommandLine', () => {
  it('names the project, region and repository, and placeholders for what is unknown', () => {
    expect(setupCommandLine({ name: 'shop', region: 'eu-west-1', repository: 'octo/shop' })).toBe(
      `${CLI} --name shop --aws-region eu-west-1 --repository octo/shop`,
    );
    expect(setupCommandLine({ name: 'shop' })).toBe(
      `${CLI} --name shop --aws-region REGION --repository OWNER/REPO`,
    );
  });

  it('adds each list that is not setup default, the bucket, and what the hint asks for, in that order', () => {
    const common = { name: 'shop', region: 'eu-west-1', repository: 'octo/shop' };
    expect(
      setupCommandLine({
        ...common,
        environments: ['prod-env'],
        protectedBranches: ['main', 'release'],
        protectedStages: ['main', 'release'],
        s3Bucket: 'acme-artifacts',
        extra: '--policy-statements FILE',
      }),
    ).toBe(
      `${CLI} --name shop --aws-region eu-west-1 --repository octo/shop --github-environment prod-env ` +
        '--protected-branches main,release --protected-stages main,release --s3-bucket acme-artifacts --policy-statements FILE',
    );
    // The defaults, in any order, say nothing.
    expect(
      setupCommandLine({
        ...common,
        environments: ['production'],
        protectedBranches: ['master', 'main'],
        protectedStages: ['production', 'prod', 'master', 'main'],
      }),
    ).toBe(`${CLI} --name shop --aws-region eu-west-1 --repository octo/shop`);
  });

  it('quotes for a POSIX shell a value with blanks or characters a shell acts on; plain values stay bare', () => {
    // protected-stages is read as written (a branch may hold $, ;, ( or a quote): the printed command is run as is.
    const line = setupCommandLine({
      name: 'shop',
      region: 'eu-west-1',
      repository: 'octo/shop',
      protectedBranches: ['main', "it's$(id)"],
      protectedStages: ['main', 'release candidate', 'a;b'],
    });
    expect(line).toBe(
      `${CLI} --name shop --aws-region eu-west-1 --repository octo/shop ` +
        `--protected-branches 'main,it'\\''s$(id)' --protected-stages 'main,release candidate,a;b'`,
    );
    const run = spawnSync('sh', ['-c', `printf '%s\\n' ${line.slice(CLI.length + 1)}`], { encoding: 'utf8' });
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      '--name',
      'shop',
      '--aws-region',
      'eu-west-1',
      '--repository',
      'octo/shop',
      '--protected-branches',
      "main,it's$(id)",
      '--protected-stages',
      'main,release candidate,a;b',
    ]);
  });
});

describe('setupCommandFor (a deploy settings, quoted as hints print it)', () => {
  const settings = {
    name: 'shop',
    awsRegion: 'eu-west-1',
    protectedStages: ['main', 'master', 'prod', 'production'],
  };

  it('with the defaults: the bare command', () => {
    expect(setupCommandFor(settings, 'octo/shop')).toBe(
      `"${CLI} --name shop --aws-region eu-west-1 --repository octo/shop"`,
    );
  });

  it('carries protected-stages as written and s3-bucket; no --protected-branches: setup works them out of the stages', () => {
    // The settings hold a branch name's stage beside it: release/1.x and its stage are one entry.
    const protectedStages = ['main', 'release/1.x', branchStage('release/1.x'), 'prod'];
    expect(
      setupCommandFor(
        { ...settings, protectedStages, s3Bucket: 'acme-artifacts' },
        'octo/shop',
        '--policy-statements FILE',
      ),
    ).toBe(
      `"${CLI} --name shop --aws-region eu-west-1 --repository octo/shop ` +
        '--protected-stages main,release/1.x,prod --s3-bucket acme-artifacts --policy-statements FILE"',
    );
  });

  it("takes the entries as written from the settings (Main's stage is no branch of the list)", () => {
    const protectedStages = ['main', branchStage('Main'), 'prod'];
    expect(
      setupCommandFor({ ...settings, protectedStages, protectedStageEntries: ['main', 'prod'] }, 'octo/shop'),
    ).toBe(`"${CLI} --name shop --aws-region eu-west-1 --repository octo/shop --protected-stages main,prod"`);
  });

  it('prod alone: only --protected-stages prod (setup then trusts no branch push; main is a preview)', () => {
    expect(setupCommandFor({ ...settings, protectedStages: ['prod'] }, undefined)).toBe(
      `"${CLI} --name shop --aws-region eu-west-1 --repository OWNER/REPO --protected-stages prod"`,
    );
  });
});
