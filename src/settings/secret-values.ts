import { MIN_SECRET_LENGTH, usableSecrets } from '../util/redact.js';
import type { Settings } from '../model/settings.js';

type SecretSettings = Pick<Settings, 'environment' | 'githubToken' | 'pipArgs' | 'name' | 'awsRegion'>;

/**
 * The values of the settings that no log line, summary or comment may show:
 * every `environment` value (a workflow passes `${{ secrets.X }}` there and
 * nothing says which ones), the GitHub token, and passwords in pip-args
 * URLs (`--index-url https://user:password@host/simple`). Values shorter than
 * MIN_SECRET_LENGTH are left out (masking `1` or `true` would star out every
 * occurrence in the log), and so are values that are already public: the
 * project name, the stage, the function name and the region are in every
 * resource name and URL.
 */
export function secretValues(
  settings: SecretSettings,
  stage: { stage?: string; functionName?: string } = {},
  /** Values the function already had (see FunctionResult.environmentBefore), filtered the same way. */
  functionValues: readonly string[] = [],
): string[] {
  const passwords = settings.pipArgs.flatMap((arg) => {
    // Anywhere in the argument: `--index-url=https://user:password@host/simple` is one.
    const m = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:([^\s/?#@]+)@/i.exec(arg);
    return m?.[1] ? [m[1], decodeURIComponentSafe(m[1])] : [];
  });
  const isPublic = new Set([settings.name, settings.awsRegion, stage.stage, stage.functionName]);
  return usableSecrets([
    ...[...Object.values(settings.environment), ...functionValues]
      .filter((v) => !isPublic.has(v.trim()))
      .flatMap(printedForms),
    settings.githubToken,
    ...passwords,
  ]);
}

/**
 * A variable's value as a function may print it: as it is, without the
 * blanks around it (`KEY= value` in the input; the code strips it), and
 * inside a JSON string (a structured log line), with non-ASCII characters
 * escaped too as Python's json.dumps does.
 */
function printedForms(value: string): string[] {
  const bare = value.trim();
  // As usableSecrets: an escaped form of a value too short to hide would be hidden alone.
  if (bare.length < MIN_SECRET_LENGTH) return [];
  const json = JSON.stringify(bare).slice(1, -1);
  const ascii = json.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return [value, bare, json, ascii];
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
