/**
 * A deploy whose Node.js function cannot load a package fails its smoke test;
 * the failure says why the package lacks it, as the packager decided (a
 * devDependency it left out, a package no dependency names), and what to do.
 * Lambda answers as it does: an ES module's missing package is a plain Error
 * (ERR_MODULE_NOT_FOUND), CommonJS's a Runtime.ImportModuleError.
 */
import { expect, it } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';

const inputs = { gateway: 'none', 'smoke-test': 'true', runtime: 'nodejs22.x', handler: 'index.handler' };

/** dir/app as a Node.js function: `files` (relative path -> text) replace the Python example. */
function nodeApp(files: Record<string, string>): string {
  const dir = appFolder();
  const app = join(dir, 'app');
  rmSync(app, { recursive: true, force: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(app, path, '..'), { recursive: true });
    writeFileSync(join(app, path), text);
  }
  return dir;
}

/** npm 7+'s lockfile for a package.json whose only package is a devDependency. */
const devLock = JSON.stringify({
  name: 'shop',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'shop', devDependencies: { 'left-pad': '^1.3.0' } },
    'node_modules/left-pad': { version: '1.3.0', dev: true },
  },
});

it("an ES module's devDependency: Lambda's Error names it, and the hint says the build left it out and to move it to dependencies", async () => {
  const missing = "Cannot find package 'left-pad' imported from /var/task/index.mjs";
  const fake = await startFakeAws({
    invoke: () => ({
      payload: JSON.stringify({
        errorType: 'Error',
        errorMessage: missing,
        code: 'ERR_MODULE_NOT_FOUND',
        stack: [`Error [ERR_MODULE_NOT_FOUND]: ${missing}`],
      }),
      functionError: 'Unhandled',
    }),
  });
  fake.seed.setup('shop');
  const dir = nodeApp({
    'index.mjs': 'import pad from "left-pad";\nexport const handler = async () => ({ body: pad("1", 3) });\n',
    'package.json': JSON.stringify({ name: 'shop', devDependencies: { 'left-pad': '^1.3.0' } }),
    'package-lock.json': devLock,
    'node_modules/left-pad/package.json': JSON.stringify({ name: 'left-pad', version: '1.3.0' }),
    'node_modules/left-pad/index.js': 'module.exports = (s, n) => s.padStart(n);\n',
  });
  try {
    const run = await deployApp(fake, dir, { inputs });
    // What the packager did, in its own words: the hint below says the same.
    expect(run.logger.text()).toContain(
      'Left out 1 package only devDependencies need: left-pad (package-lock.json)',
    );
    const hint =
      'left-pad is in devDependencies of package.json: the build left out node_modules/left-pad, ' +
      'which package-lock.json marks as needed only by devDependencies; move it to dependencies: npm install --save-prod left-pad';
    // The hint is the report's own field (its Fix line), not a part of the error.
    expect(run.report.error).toMatch(
      new RegExp(
        `^Smoke test failed: Invoke shop-main:live raised an error \\(Unhandled\\): Error: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
    );
    expect(run.report.error).not.toContain('npm install');
    expect(run.report.hint).toContain(hint);
    expect(run.failure).toContain(`\nFix: ${hint}`);
    expect(run.report.hint).not.toMatch(/local runtime/);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it("CommonJS, a package no dependency names: only the function's CloudWatch lines name it, and the hint is read there", async () => {
  const fake = await startFakeAws({
    invoke: () => ({ payload: 'Internal error', functionError: 'Unhandled' }),
  });
  fake.seed.setup('shop');
  const dir = nodeApp({
    'index.js':
      'const dayjs = require("dayjs");\nexports.handler = async () => ({ body: dayjs().toString() });\n',
    'package.json': JSON.stringify({ name: 'shop', dependencies: {} }),
  });
  try {
    const day = fake.clock.date().toISOString().slice(0, 10).replace(/-/g, '/');
    const stream = `${day}/[1]0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a`;
    const error = {
      errorType: 'Runtime.ImportModuleError',
      errorMessage:
        "Error: Cannot find module 'dayjs'\nRequire stack:\n- /var/task/index.js\n- /var/runtime/index.mjs",
      stack: ["Runtime.ImportModuleError: Error: Cannot find module 'dayjs'", 'Require stack:'],
    };
    fake.setFunctionLogs('shop-main', [
      { message: 'INIT_START Runtime Version: nodejs:22.v40', logStreamName: stream },
      {
        message: `2026-12-06T08:00:00.000Z\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(error)}`,
        logStreamName: stream,
      },
      {
        message:
          'INIT_REPORT Init Duration: 120.51 ms Phase: init Status: error Error Type: Runtime.ImportModuleError',
        logStreamName: stream,
      },
    ]);
    const run = await deployApp(fake, dir, { inputs });
    expect(run.report.error).toMatch(
      /^Smoke test failed: Invoke shop-main:live raised an error \(Unhandled\)/,
    );
    expect(run.report.hint).toContain(
      'dayjs is not in the dependencies of package.json: add it (npm install dayjs), and commit package.json and package-lock.json',
    );
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it("the AWS SDK v2 (aws-sdk), which Lambda's Node.js runtimes do not carry: the hint says so, with nothing of the local runtime", async () => {
  const fake = await startFakeAws({
    invoke: () => ({
      payload: JSON.stringify({
        errorType: 'Runtime.ImportModuleError',
        errorMessage:
          "Error: Cannot find module 'aws-sdk'\nRequire stack:\n- /var/task/index.js\n- /var/runtime/index.mjs",
      }),
      functionError: 'Unhandled',
    }),
  });
  fake.seed.setup('shop');
  const dir = nodeApp({
    'index.js': 'const AWS = require("aws-sdk");\nexports.handler = async () => ({ body: AWS.VERSION });\n',
    'package.json': JSON.stringify({ name: 'shop' }),
  });
  try {
    const run = await deployApp(fake, dir, { inputs });
    expect(run.report.hint).toMatch(
      /^aws-sdk is the AWS SDK for JavaScript v2, which Lambda's Node\.js 18 and later runtimes do not carry \(they carry v3, the @aws-sdk\/\* packages\): .*npm install aws-sdk/,
    );
    expect(run.report.hint).not.toMatch(/local runtime/);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it('an AWS SDK v3 package the runtime did not provide: the hint speaks of Lambda, not of the local runtime', async () => {
  const fake = await startFakeAws({
    invoke: () => ({
      payload: JSON.stringify({
        errorType: 'Error',
        errorMessage:
          "Cannot find package '@aws-sdk/client-bedrock-agentcore' imported from /var/task/index.mjs",
      }),
      functionError: 'Unhandled',
    }),
  });
  fake.seed.setup('shop');
  const dir = nodeApp({
    'index.mjs':
      'import * as sdk from "@aws-sdk/client-bedrock-agentcore";\nexport const handler = async () => sdk;\n',
    'package.json': JSON.stringify({ name: 'shop', type: 'module' }),
  });
  try {
    const run = await deployApp(fake, dir, { inputs });
    expect(run.report.hint).toMatch(
      /^@aws-sdk\/client-bedrock-agentcore is not in the package, and Lambda's Node\.js runtime did not provide it: .*npm install @aws-sdk\/client-bedrock-agentcore\) so the package holds it/,
    );
    expect(run.report.hint).not.toMatch(/local runtime/);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});
