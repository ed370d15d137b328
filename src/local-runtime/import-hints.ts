import type { LambdaError } from './runtime-api-server.js';

/** The module a failed Node.js import names: `Cannot find package 'x' imported from …`, `Cannot find module 'x'`. */
const NOT_FOUND = /Cannot find (?:package|module) '([^']+)'/;

/** The package a bare import specifier names (`lodash/fp` -> `lodash`); undefined for a file or a built-in. */
function packageOf(specifier: string): string | undefined {
  if (/^(?:[./\\]|[A-Za-z]:|node:|file:)/.test(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * What to do about a Node.js function's failed import of a package (pure): the
 * package holds only what package.json lists, as Python's holds its
 * requirements. Lambda's runtimes carry the AWS SDK v3, so a function may
 * import it unpackaged there; not so here. '' for anything else.
 */
export function importHint(family: 'python' | 'node', failure: LambdaError): string {
  if (family !== 'node' || failure.errorType !== 'Runtime.ImportModuleError') return '';
  const name = packageOf(NOT_FOUND.exec(failure.errorMessage)?.[1] ?? '.');
  if (!name) return '';
  if (name.startsWith('@aws-sdk/'))
    return (
      " (Lambda's Node.js runtimes include the AWS SDK for JavaScript v3, the local runtime does not: " +
      'list the @aws-sdk packages the function imports in its package.json dependencies)'
    );
  return ` (${name} is not in the package: add it to the dependencies in package.json, e.g. npm install ${name})`;
}
