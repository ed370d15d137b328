import type { PipelineResult } from '../../pipelines/pipeline-result.js';
import { Outputs, type OutputName } from '../../settings/names.js';

/** The step outputs for a result (pure). Only outputs that have a value are set. */
export function outputsFor(result: PipelineResult): Partial<Record<OutputName, string>> {
  switch (result.kind) {
    case 'skip':
    case 'prune':
      return {};
    case 'package': {
      const { pkg } = result;
      return {
        ...(result.stage ? { [Outputs.Stage]: result.stage } : {}),
        [Outputs.CodeSha256]: pkg.codeSha256,
        [Outputs.PackageBytes]: String(pkg.packageBytes),
        [Outputs.UnpackedBytes]: String(pkg.unpackedBytes),
        [Outputs.PackagePath]: pkg.zipPath,
      };
    }
    case 'undeploy':
      return { [Outputs.Stage]: result.outcome.stage };
    case 'report':
      return { [Outputs.Stage]: result.stage, ...(result.url ? { [Outputs.Url]: result.url } : {}) };
    case 'deploy': {
      const o = result.outcome;
      const out: Partial<Record<OutputName, string>> = {
        [Outputs.Url]: o.url,
        [Outputs.Stage]: o.stage,
        [Outputs.FunctionName]: o.functionName,
        [Outputs.FunctionArn]: o.functionArn,
        [Outputs.Version]: o.version,
        [Outputs.CodeSha256]: o.codeSha256,
        [Outputs.PackageBytes]: String(o.packageBytes),
        [Outputs.UnpackedBytes]: String(o.unpackedBytes),
        [Outputs.PackagePath]: o.packagePath,
        [Outputs.Changed]: String(o.changed),
        [Outputs.RolledBack]: String(o.rolledBack),
      };
      if (o.apiId) out[Outputs.ApiId] = o.apiId;
      if (o.apiKeyId) out[Outputs.ApiKeyId] = o.apiKeyId;
      return out;
    }
  }
}
