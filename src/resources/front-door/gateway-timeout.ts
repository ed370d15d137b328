/**
 * How long each front door waits for the function: pure, no I/O.
 *
 * An HTTP API waits at most 30 s for a Lambda integration (not raisable); a
 * REST API 29 s (its default integration timeout: a Regional REST API may
 * wait longer after a Service Quotas increase, which lambda-deploy does not
 * ask for or set). A longer function timeout is allowed, but callers get an
 * error while the function runs on. A function URL waits as long as the
 * function (up to 900 s).
 */
import type { GatewayKind } from '../../model/settings.js';

interface Wait {
  label: string;
  seconds: number;
  /** The response a caller gets when the wait runs out. */
  answer: string;
  note: string;
}

const WAITS: Partial<Record<GatewayKind, Wait>> = {
  'http-api': {
    label: 'HTTP API',
    seconds: 30,
    answer: '503 Service Unavailable',
    note: 'API Gateway cannot raise it',
  },
  'rest-api': {
    label: 'REST API',
    seconds: 29,
    answer: '504 Endpoint request timed out',
    note: 'its default integration timeout',
  },
};

/**
 * The warning for a function timeout (seconds) the front door cannot wait
 * for; undefined when it can. The default timeout (30 s) is not warned about
 * with a REST API: one second apart, on every deploy, would be noise.
 */
export function gatewayTimeoutWarning(kind: GatewayKind, timeout: number): string | undefined {
  const wait = WAITS[kind];
  if (!wait || timeout <= 30) return undefined;
  return (
    `timeout: ${timeout} s, but the ${wait.label} waits at most ${wait.seconds} s for the function (${wait.note}): ` +
    `a request that runs longer gets ${wait.answer} while the function goes on. ` +
    `Expected timeout: ${wait.seconds} or less with gateway: ${kind}, or gateway: function-url (up to 900 s).`
  );
}
