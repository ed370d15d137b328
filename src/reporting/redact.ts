/**
 * Removes secrets from text before it goes into Markdown we post (job
 * summary, PR comment, Deployment description). The logger masks what it
 * prints; this covers what we write elsewhere. Pure.
 */

export const REDACTED = '***';

/** Shorter values are too likely to be ordinary words or numbers. */
const MIN_SECRET_LENGTH = 6;

interface Pattern {
  pattern: RegExp;
  /** Replacement; `$1` keeps the key name or prefix. */
  replace: string;
}

const PATTERNS: Pattern[] = [
  // Access key ids: long-term (AKIA) and temporary (ASIA).
  { pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, replace: REDACTED },
  // Secret keys and session tokens after their names: ini, env, JSON, YAML, CLI output.
  {
    pattern: /((?:aws_?)?secret_?access_?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
    replace: `$1${REDACTED}`,
  },
  {
    pattern: /((?:aws_?)?session_?token["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{16,}/gi,
    replace: `$1${REDACTED}`,
  },
  // API Gateway keys as a header, a JSON field or a query parameter.
  { pattern: /(x-api-key["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, replace: `$1${REDACTED}` },
  // GitHub tokens, and any bearer token.
  { pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, replace: REDACTED },
  {
    pattern: /(authorization["']?\s*[:=]\s*["']?(?:bearer|token|basic)\s+)[^\s"',;]+/gi,
    replace: `$1${REDACTED}`,
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` without the listed secrets and without anything that looks like an AWS or GitHub credential. */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  const known = [
    ...new Set(
      secrets.filter((s): s is string => typeof s === 'string' && s.trim().length >= MIN_SECRET_LENGTH),
    ),
  ]
    // Longest first: a secret that contains another goes whole.
    .sort((a, b) => b.length - a.length);
  if (known.length) out = out.replace(new RegExp(known.map(escapeRegExp).join('|'), 'g'), REDACTED);
  for (const { pattern, replace } of PATTERNS) out = out.replace(pattern, replace);
  return out;
}
