/** The function's architecture, memory, timeout, environment and layers inputs. */
import type { Architecture } from '../model/settings.js';
import { readEnvironment } from './environment-variables.js';
import type { Checked, InputReader } from './input-reader.js';
import { splitList } from './input-lists.js';
import { Inputs } from './names.js';

const LAYER_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$/;

/** The function's configuration: size, time, environment, layers. */
export function readFunctionConfig(
  r: InputReader,
): Checked<'architecture' | 'memory' | 'timeout' | 'environment' | 'layers'> {
  const architecture = r.oneOf<Architecture>(Inputs.Architecture, ['x86_64', 'arm64']);
  const memory = r.integer(Inputs.Memory, 128, 10240, ' (MB)') ?? 256;
  const timeout = r.integer(Inputs.Timeout, 1, 900, ' (seconds)') ?? 30;
  const environment = readEnvironment(r);
  const layers = splitList(r.value(Inputs.Layers));
  for (const layer of layers)
    if (!LAYER_ARN.test(layer))
      r.bad(
        Inputs.Layers,
        'layer version ARNs like arn:aws:lambda:us-east-1:123456789012:layer:name:3',
        layer,
      );
  if (layers.length > 5)
    r.problem(`${Inputs.Layers}: ${layers.length} layers given; Lambda allows at most 5.`);
  return { architecture, memory, timeout, environment, layers };
}

/**
 * What Lambda refuses of the layers together, only when it updates the
 * function (after the upload and the dependencies layer's publishing): more
 * than 5 with lambda-deploy's own, two versions of one layer, a layer of
 * another region. Another account's layer is fine (AWS's, a vendor's).
 */
export function checkLayersTogether(
  r: InputReader,
  layers: readonly string[],
  dependenciesLayer: boolean,
  region: string | undefined,
): void {
  if (dependenciesLayer && layers.length + 1 > 5 && layers.length <= 5)
    r.problem(
      `${Inputs.Layers}: ${layers.length} layers given, and ${Inputs.DependenciesLayer}: true adds the dependencies layer: ${layers.length + 1}; Lambda allows at most 5, so give at most 4.`,
    );
  const seen = new Map<string, string>();
  for (const layer of layers) {
    if (!LAYER_ARN.test(layer)) continue;
    const unversioned = layer.slice(0, layer.lastIndexOf(':'));
    const earlier = seen.get(unversioned);
    if (earlier !== undefined)
      r.bad(Inputs.Layers, `one version of each layer (${earlier} is given too)`, layer);
    else seen.set(unversioned, layer);
    const layerRegion = layer.split(':')[3];
    if (region && layerRegion !== region)
      r.bad(
        Inputs.Layers,
        `a layer of the function's region ${region} (${Inputs.AwsRegion}); Lambda attaches no layer of another region`,
        layer,
      );
  }
}
