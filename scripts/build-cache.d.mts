/** SHA-256 (16 hex digits) over the sources, build settings and installed dependency tree. */
export function sourceHash(): string;
/** The folder holding index.js and cli/index.js built from the current sources. */
export function cachedBuild(): string;
