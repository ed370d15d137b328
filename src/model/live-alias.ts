/**
 * The alias every front door, keep-warm rule and smoke test invokes: each
 * change publishes a version and moves `live` to it; a failed smoke test
 * moves it back. Nothing invokes `$LATEST`.
 */
export const LIVE_ALIAS = 'live';
