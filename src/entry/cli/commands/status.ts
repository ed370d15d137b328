import { readFunctionUrl } from '../../../resources/front-door/function-url.js';
import { readAlias } from '../../../resources/function/function-alias.js';
import { findStageResources } from '../../../resources/stage/find-stage-resources.js';
import { listProjectStages } from '../../../resources/stage/project-stages.js';
import { dnsSuffix } from '../../../model/aws-hosts.js';
import { restStageName } from '../../../resources/front-door/urls.js';
import { LIVE_ALIAS } from '../../../model/live-alias.js';
import { makePlan } from '../../../model/plan.js';
import { openAwsSession } from '../../../pipelines/aws-session.js';
import type { CliCommand } from '../command.js';
import { INPUT_FLAGS as F } from '../flags.js';

interface StageRow {
  stage: string;
  function: string;
  version: string;
  'last-deploy': string;
  url: string;
  /** A usage plan serves the stage's REST API stage: callers need its API key (x-api-key). */
  'api-key-required': boolean;
}

/** Columns padded to their widest cell (pure). */
export function statusTable(rows: readonly StageRow[]): string {
  const cells = [
    ['STAGE', 'FUNCTION', 'VERSION', 'LAST DEPLOY', 'URL'],
    ...rows.map((r) => [
      r.stage,
      r.function,
      r.version,
      r['last-deploy'],
      r['api-key-required'] ? `${r.url} (API key required)` : r.url,
    ]),
  ];
  const widths = (cells[0] as string[]).map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const statusCommand: CliCommand = {
  name: 'status',
  summary: "list the project's stages: function, live version, URL, last deploy",
  usage: '--name NAME [--aws-region REGION]',
  description:
    "Lists the project's stages, found by their tags: function, the version live serves, URL and last deploy time.",
  flags: [F.name, F.awsRegion],
  usesAws: true,
  async run(ctx) {
    const settings = ctx.settings({ command: 'prune' });
    const plan = makePlan(settings, ctx.github);
    const session = await openAwsSession(settings, plan, ctx.github, ctx.pipelineDeps());
    const { clients } = session;
    const deps = session.awsDeps;
    const stages = await listProjectStages(clients, settings.name, ctx.github.repository, deps);
    if (!stages.length) ctx.logger.info(`No stages of ${settings.name} in ${clients.region}.`);
    const rows: StageRow[] = [];
    for (const s of stages) {
      // Not there is "-"; a denied or failing read is an error that names the permission, not a "-".
      const alias = await readAlias(clients.lambda, s.functionName, deps);
      let url = (await readFunctionUrl(clients.lambda, s.functionName, LIVE_ALIAS, deps)) ?? '';
      let apiKeyRequired = false;
      if (!url) {
        const found = await findStageResources(
          clients,
          {
            project: settings.name,
            repository: ctx.github.repository,
            stage: s.stage,
            functionName: s.functionName,
            includeLogs: false,
          },
          deps,
        );
        const host = (id: string) =>
          `https://${id}.execute-api.${clients.region}.${dnsSuffix(clients.region)}`;
        if (found.httpApis[0]) url = host(found.httpApis[0].id);
        else if (found.restApis[0]) {
          const rest = { apiId: found.restApis[0].id, stage: restStageName(s.stage) };
          url = `${host(rest.apiId)}/${rest.stage}`;
          // The listing already made (usage plans serving the stage's REST API): no further read.
          apiKeyRequired = found.usagePlans.some((p) =>
            p.apiStages.some((a) => a.apiId === rest.apiId && a.stage === rest.stage),
          );
        }
      }
      rows.push({
        stage: s.stage,
        function: s.functionName,
        version: alias?.FunctionVersion ?? '-',
        'last-deploy': s.lastDeployed?.toISOString() ?? '-',
        url: url || '-',
        'api-key-required': apiKeyRequired,
      });
    }
    return { exitCode: 0, result: { stages: rows }, text: rows.length ? statusTable(rows) : '' };
  },
};
