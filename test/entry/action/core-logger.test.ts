import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { coreLogger } from '../../../src/entry/action/core-logger.js';
import { executedCommands } from '../../support/workflow-commands.js';

/** What the step writes to stdout while `fn` runs (the real @actions/core writes there). */
async function stdoutOf(fn: () => void | Promise<void>): Promise<string> {
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('coreLogger', () => {
  const saved = process.env.GITHUB_OUTPUT;
  beforeEach(() => {
    delete process.env.GITHUB_OUTPUT;
  });
  afterEach(() => {
    if (saved !== undefined) process.env.GITHUB_OUTPUT = saved;
  });

  it('shows function log lines that look like workflow commands, and the runner runs none of them', async () => {
    const lines = [
      '::set-output name=x::y',
      '  ::add-mask::everything',
      'START ##[set-output name=z;]legacy form',
      '::error::not from us',
      '::stop-commands::guess',
      '::set-output name=after::guess',
    ].join('\n');
    const out = await stdoutOf(() => coreLogger().untrusted(lines));
    for (const line of lines.split('\n')) expect(out).toContain(line);
    const executed = executedCommands(out);
    // Only our own stop and resume.
    expect(executed.map((c) => c.name)).toEqual(['stop-commands']);
    expect(out.trimEnd().split('\n').at(-1)).toBe(`::${executed[0]?.data}::`);
    expect(executed[0]?.data).toMatch(/^[0-9a-f]{32}$/);
  });

  it('without the stop-commands the same line would set an output (the model is not blind)', () => {
    expect(executedCommands('::set-output name=x::y')).toEqual([
      { name: 'set-output', properties: { name: 'x' }, data: 'y', line: 1 },
    ]);
  });

  it('info lines that start like a workflow command (a tag value another role wrote, at the start of a prune line) are shown, never run', async () => {
    // The preview role may tag its own functions with any stage value that is not protected, `::` included;
    // prune (production role) prints each stage at the start of a line.
    const messages = [
      '::error title=Production deploy approved::pr-7: kept (pull request #7 is open)',
      'Stages:\n  ::add-mask::production\n::set-output name=url::https://evil.example',
      'An error quoted ##[set-output name=url;]https://evil.example',
    ];
    const out = await stdoutOf(() => {
      const logger = coreLogger();
      for (const m of messages) logger.info(m);
      logger.info('feature-x: removed (branch feature-x no longer exists)');
    });
    for (const m of messages) for (const line of m.split('\n')) expect(out).toContain(line);
    expect(executedCommands(out).map((c) => c.name)).toEqual([
      'stop-commands',
      'stop-commands',
      'stop-commands',
    ]);
    // An ordinary line stays one line, with no stop and resume around it.
    expect(out).toMatch(/\nfeature-x: removed \(branch feature-x no longer exists\)\n$/);
  });

  it('a line led by U+0085 (NEXT LINE, white space to the runner, not to a JavaScript \\s) is shown, never run', async () => {
    const out = await stdoutOf(() => coreLogger().info('\u0085::set-output name=url::https://evil.example'));
    expect(out).toContain('::set-output name=url::https://evil.example');
    expect(executedCommands(out).map((c) => c.name)).toEqual(['stop-commands']);
  });

  it('the model trims as the runner does: without the stop-commands a U+0085-led line would run', () => {
    expect(executedCommands('\u0085::set-output name=x::y').map((c) => c.name)).toEqual(['set-output']);
  });

  it('warnings, errors, debug lines and group titles quoting a command run only their own: @actions/core escapes CR, LF and %, so what they quote stays inside one line', async () => {
    // A stage tag, a branch name or an AWS error quoting one: every way a line could break or start.
    const quoted = [
      'x\n::set-output name=url::https://evil.example',
      'x\r::add-mask::production',
      'x\r\n  ::error::forged',
      'x\u2028::set-env name=A::b',
      'x\u0085::set-env name=A::b',
      'x%0A::set-output name=url::encoded',
      '::set-output name=url::at the start',
      'x ##[set-output name=url;]legacy',
    ];
    const out = await stdoutOf(async () => {
      const logger = coreLogger();
      for (const q of quoted) {
        logger.warning(`Stage kept: ${q}`);
        logger.error(`Stage failed: ${q}`);
        logger.debug(`read ${q}`);
        await logger.group(`Stage ${q}`, async () => undefined);
      }
    });
    const executed = executedCommands(out);
    expect(executed.map((c) => c.name)).toEqual(
      quoted.flatMap(() => ['warning', 'error', 'debug', 'group', 'endgroup']),
    );
    // Info lines: a line break the runner reads (a CR alone too) before `::` is shown between stop-commands.
    const info = await stdoutOf(() => {
      const logger = coreLogger();
      for (const q of quoted) logger.info(`Stage ${q}`);
    });
    expect(
      executedCommands(info)
        .map((c) => c.name)
        .filter((name) => name !== 'stop-commands'),
    ).toEqual([]);
    // Each shows the quoted text whole once the runner decodes it.
    const decode = (d: string) => d.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
    expect(executed.filter((c) => c.name === 'warning').map((c) => decode(c.data))).toEqual(
      quoted.map((q) => `Stage kept: ${q}`),
    );
  });

  it('the model breaks lines as the runner does: a CR alone ends one', () => {
    expect(executedCommands('shown\r::set-output name=x::y').map((c) => c.name)).toEqual(['set-output']);
  });

  it('uses a fresh token each time', async () => {
    const logger = coreLogger();
    const out = await stdoutOf(() => {
      logger.untrusted('a');
      logger.untrusted('b');
    });
    const tokens = executedCommands(out).map((c) => c.data);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it('masks what it is told and redacts secret shapes from what it prints', async () => {
    const logger = coreLogger();
    const out = await stdoutOf(() => {
      logger.mask('Pg-Secret-771');
      logger.info('connecting with Pg-Secret-771');
      logger.untrusted('DB said Pg-Secret-771 and ghp_16C7e42F292c6912E7710c838347Ae178B4a');
    });
    expect(out).toContain('::add-mask::Pg-Secret-771');
    const shown = out.replace('::add-mask::Pg-Secret-771', '');
    // Registered once, however often it is met.
    const again = await stdoutOf(() => {
      logger.mask('Pg-Secret-771');
      coreLogger().mask('Pg-Secret-771');
    });
    expect(again).not.toContain('::add-mask::');
    expect(shown).not.toContain('Pg-Secret-771');
    expect(shown).not.toContain('ghp_16C7');
    expect(shown).toContain('connecting with ***');
  });

  it('a short secret (DB_PASSWORD=k3y9) is hidden from its lines as a word, and not registered with the runner, which would hide it inside words and drop every output holding it', async () => {
    const logger = coreLogger();
    const out = await stdoutOf(() => {
      logger.mask('k3y9');
      logger.info('password k3y9, pool k3y99');
      logger.untrusted('said k3y9.');
    });
    expect(executedCommands(out).filter((c) => c.name === 'add-mask')).toEqual([]);
    expect(out).toContain('password ***, pool k3y99');
    expect(out).toContain('said ***.');
    expect(out).not.toMatch(/\bk3y9\b/);
  });

  it('a value of several lines: each line registered too (the runner masks a log line by the values it holds, so the whole never matches one)', async () => {
    const logger = coreLogger();
    const key = '-----BEGIN KEY-----\r\n  Line-One-Q7w2x9  \nLine-Two-Z3k8p1\n}\n-----END KEY-----';
    const out = await stdoutOf(() => {
      logger.mask(key);
      logger.info('read Line-One-Q7w2x9 then Line-Two-Z3k8p1');
    });
    const masked = executedCommands(out)
      .filter((c) => c.name === 'add-mask')
      .map((c) => c.data);
    expect(masked).toEqual(expect.arrayContaining(['Line-One-Q7w2x9', 'Line-Two-Z3k8p1']));
    // Lines too short to mask (a brace) would star out every such character in the log.
    expect(masked).not.toContain('}');
    expect(out).toContain('read *** then ***');
  });
});
