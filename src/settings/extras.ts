/** keep-warm, provisioned-concurrency, dependencies-layer, slim, adopt and include. */
import type { SlimSetting } from '../model/settings.js';
import { show, type Checked, type InputReader } from './input-reader.js';
import { splitList } from './input-lists.js';
import { Inputs } from './names.js';
import { isPythonRuntime } from './runtimes.js';

/**
 * EventBridge's schedules: `rate(1 unit)` or `rate(N units)` (a value of 1
 * takes the singular, more the plural, 0 none), or `cron(...)` with six
 * fields, one of day-of-month and day-of-week `?`.
 */
const SCHEDULE =
  /^(rate\(1 (minute|hour|day)\)|rate\([1-9]\d* (minutes|hours|days)\)|cron\(\S+ \S+ (\?|\S+) \S+ (\?|\S+) \S+\))$/;

function isSchedule(value: string): boolean {
  if (!SCHEDULE.test(value)) return false;
  if (value.startsWith('rate(')) return !/^rate\(1 \w+s\)$/.test(value);
  const fields = value.slice(5, -1).split(' ');
  return fields[2] === '?' || fields[4] === '?';
}

/** `auto`, `true` or `false` (and the spellings `bool` takes for the last two); undefined otherwise. */
export function slimSetting(value: string): SlimSetting | undefined {
  if (/^auto$/i.test(value)) return 'auto';
  if (/^(true|yes|on|1)$/i.test(value)) return 'true';
  if (/^(false|no|off|0)$/i.test(value)) return 'false';
  return undefined;
}

/** Warm starts, the dependencies layer, adoption, and extra files to package. */
export function readExtras(
  r: InputReader,
  runtime: string,
): Checked<'keepWarm' | 'provisionedConcurrency' | 'dependenciesLayer' | 'slim' | 'adopt' | 'include'> {
  const keepWarm = r.value(Inputs.KeepWarm) || undefined;
  if (keepWarm && !isSchedule(keepWarm))
    r.bad(Inputs.KeepWarm, 'an EventBridge schedule like rate(5 minutes) or cron(0/5 * * * ? *)');
  const provisionedConcurrency = r.integer(Inputs.ProvisionedConcurrency, 0, 10000);
  const dependenciesLayer = r.bool(Inputs.DependenciesLayer);
  const adopt = r.bool(Inputs.Adopt);
  const include = splitList(r.value(Inputs.Include));
  for (const pattern of include)
    if (pattern.split(/[\\/]/).includes('..'))
      r.bad(
        Inputs.Include,
        'globs of files inside path, without ".." (to package shared code from elsewhere in the repository, link it into path with a symbolic link)',
        pattern,
      );
  if (dependenciesLayer && !isPythonRuntime(runtime))
    r.bad(Inputs.DependenciesLayer, `a Python runtime (runtime is ${show(runtime)})`, 'true');
  const slim = slimSetting(r.value(Inputs.Slim));
  if (!slim) r.bad(Inputs.Slim, 'auto, true or false');
  else if (slim === 'true' && !isPythonRuntime(runtime))
    r.bad(
      Inputs.Slim,
      `a Python runtime (runtime is ${show(runtime)}); for Node.js, bundle the code and its dependencies instead (see README)`,
    );
  else if (slim === 'true' && dependenciesLayer)
    r.problem(
      `${Inputs.Slim}, ${Inputs.DependenciesLayer}: both are true; expected one: slim fetches the requirements into /tmp at cold start, dependencies-layer puts them in a layer (counted in the 250 MB limit).`,
    );
  return { keepWarm, provisionedConcurrency, dependenciesLayer, slim: slim ?? 'auto', adopt, include };
}
