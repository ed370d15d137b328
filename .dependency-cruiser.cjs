/**
 * The house's import directions (CONTRIBUTING.md explains them): a folder
 * imports only the folders listed for it, there is no cycle, and nothing in
 * src/ or bench/ reaches into test/. Part of `npm test` (`npm run deps`).
 *
 * Layers, top to bottom (a folder may import its own files and those below):
 *   entry (src/index.ts, src/main.ts, src/entry/)
 *   pipelines, setup
 *   iam, smoke, reporting
 *   resources (its kinds may use each other, without a cycle), local-runtime
 *   failure-hints
 *   aws, packaging
 *   settings
 *   model
 *   util
 */
const MAY_IMPORT = {
  util: [],
  model: ['util'],
  settings: ['model', 'util'],
  aws: ['settings', 'model', 'util'],
  packaging: ['settings', 'model', 'util'],
  'failure-hints': ['packaging', 'settings', 'model', 'util'],
  'local-runtime': ['failure-hints', 'packaging', 'settings', 'model', 'util'],
  resources: ['aws', 'packaging', 'settings', 'model', 'util'],
  reporting: ['packaging', 'settings', 'model', 'util'],
  smoke: ['resources', 'failure-hints', 'aws', 'settings', 'model', 'util'],
  iam: ['resources', 'settings', 'model', 'util'],
  setup: ['iam', 'resources', 'aws', 'settings', 'model', 'util'],
  pipelines: [
    'smoke',
    'reporting',
    'iam',
    'resources',
    'local-runtime',
    'failure-hints',
    'aws',
    'packaging',
    'settings',
    'model',
    'util',
  ],
};

const layerRules = Object.entries(MAY_IMPORT).map(([layer, below]) => ({
  name: `${layer}-imports-only-below`,
  comment: `src/${layer}/ may import only ${below.length ? below.map((b) => `src/${b}/`).join(', ') : 'nothing else in src/'}: no upward or sideways import.`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: [`^src/${layer}/`, ...below.map((b) => `^src/${b}/`)] },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-cycle',
      comment: 'Files that import each other in a loop (type imports count too).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'resolvable',
      comment: 'Every import resolves: an import the check cannot follow would slip past the rules above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'entry-alone-speaks-to-the-runner',
      comment: '@actions/core is imported only by the entry layer (src/main.ts, src/entry/).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', '^src/index\\.ts$', '^src/entry/'] },
      to: { path: '@actions/core' },
    },
    {
      name: 'aws-deploy-runs-without-the-local-runtime',
      comment:
        'The AWS pipelines (deploy, undeploy, prune) reach nothing in src/local-runtime/, not even through other files: what both need (failure hints) lives below both, in src/failure-hints/.',
      severity: 'error',
      from: { path: '^src/pipelines/(aws-deploy/deploy-aws|undeploy|prune)\\.ts$' },
      to: { path: '^src/local-runtime/', reachable: true },
    },
    {
      name: 'aws-and-local-deploys-stand-apart',
      comment:
        'src/pipelines/aws-deploy/ and src/pipelines/local-deploy/ import nothing of each other: what both use lives in src/pipelines/ itself, and run-pipeline.ts picks one.',
      severity: 'error',
      from: { path: '^src/pipelines/(aws|local)-deploy/' },
      to: { path: '^src/pipelines/(aws|local)-deploy/', pathNot: '^src/pipelines/$1-deploy/' },
    },
    {
      name: 'pipelines-get-clients-through-deps',
      comment:
        'Pipelines take their AWS clients from PipelineDeps.awsClients (the entry passes createAwsClients): types only from aws/clients.ts.',
      severity: 'error',
      from: { path: '^src/pipelines/' },
      to: { path: '^src/aws/clients\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-stands-alone',
      comment: 'Shipped code never imports tests, fakes or benchmarks.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|fakes|bench)/' },
    },
    {
      name: 'bench-imports-no-tests',
      comment: 'bench/ shares fakes/ with test/, never test/ itself.',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^test/' },
    },
    {
      name: 'fakes-import-no-tests',
      comment: 'fakes/ is shared by test/ and bench/: it imports neither.',
      severity: 'error',
      from: { path: '^fakes/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are arrows too: a type import upward is still an upward import.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
