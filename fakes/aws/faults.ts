/**
 * The one faults API: what a test makes the account do wrong, per operation.
 *
 *   aws.faults.throttle('CreateApi', 2);            // the next 2 calls: the service's throttling error
 *   aws.faults.deny('lambda:AddPermission');        // every call: AccessDenied (until allow())
 *   aws.faults.failAfter('PutRolePolicy');          // the call takes effect, then answers 500
 *   aws.faults.failAfter('CreateApi', { reset: true }); // takes effect, then the connection drops
 *   aws.faults.fail('DeleteRestApi', 'ConflictException', { times: 1 });
 *   aws.faults.latency('*', 150, { real: true });  // every request takes 150 ms of wall time
 *
 * An operation is named alone (`CreateApi`) or with its service
 * (`apiGatewayV2:CreateStage`) where two services share a name; `*` is every
 * operation. Rules are consumed in the order they were added.
 */
import type { ServiceName } from './errors.js';

export type FaultKind = 'throttle' | 'deny' | 'fail' | 'failAfter' | 'answer';

export interface FaultRule {
  selector: string;
  kind: FaultKind;
  /** Calls left to hit; Infinity for deny until allow(). */
  remaining: number;
  /** fail / failAfter: the error code (default: the service's internal error). */
  code?: string;
  message?: string;
  /** failAfter: drop the connection instead of answering. */
  reset?: boolean;
  /** answer: the JSON body answered with HTTP 200 instead of running the call. */
  body?: unknown;
  /** deny: AWS words it as an explicit Deny in a policy, not as a missing Allow. */
  explicit?: boolean;
  /** Only calls this holds for (deny, as IAM decides by what the call touches). */
  when?: (call: FaultCall) => boolean;
}

/** What a rule's `when` sees of a call. */
export interface FaultCall {
  service: ServiceName;
  operation: string;
  input: Record<string, unknown>;
}

export interface LatencyRule {
  selector: string;
  ms: number;
  /** Wait for real (a benchmark) rather than only moving the simulated clock. */
  real: boolean;
}

export function matches(selector: string, service: ServiceName, operation: string): boolean {
  return selector === '*' || selector === operation || selector === `${service}:${operation}`;
}

export class Faults {
  readonly rules: FaultRule[] = [];
  readonly latencies: LatencyRule[] = [];

  /** The next `times` calls answer the service's throttling error, without taking effect. */
  throttle(operation: string, times = 1): this {
    this.rules.push({ selector: operation, kind: 'throttle', remaining: times });
    return this;
  }

  /**
   * Calls answer AccessDenied (the service's spelling), without taking effect; every call unless `times`.
   * Worded as IAM words a missing Allow, or with `explicit` as a Deny statement's refusal.
   */
  deny(operation: string, times = Number.POSITIVE_INFINITY, how: { explicit?: boolean } = {}): this {
    this.rules.push({ selector: operation, kind: 'deny', remaining: times, ...how });
    return this;
  }

  /** AccessDenied, as deny(), for every call `when` holds for (until allow()): an IAM Deny statement's answer. */
  denyWhen(operation: string, when: (call: FaultCall) => boolean): this {
    this.rules.push({
      selector: operation,
      kind: 'deny',
      remaining: Number.POSITIVE_INFINITY,
      explicit: true,
      when,
    });
    return this;
  }

  /** Lifts deny() of `operation`. */
  allow(operation: string): this {
    for (let i = this.rules.length - 1; i >= 0; i--)
      if (this.rules[i]!.kind === 'deny' && this.rules[i]!.selector === operation) this.rules.splice(i, 1);
    return this;
  }

  /** The next `times` calls answer `code` (any error of the service's catalog), without taking effect. */
  fail(operation: string, code: string, options: { times?: number; message?: string } = {}): this {
    this.rules.push({
      selector: operation,
      kind: 'fail',
      remaining: options.times ?? 1,
      code,
      message: options.message,
    });
    return this;
  }

  /**
   * The next `times` calls take effect, then fail: with `code` (default the
   * service's internal error, a 5xx the SDK retries) or a dropped connection.
   */
  failAfter(operation: string, options: { times?: number; code?: string; reset?: boolean } = {}): this {
    this.rules.push({
      selector: operation,
      kind: 'failAfter',
      remaining: options.times ?? 1,
      code: options.code,
      reset: options.reset,
    });
    return this;
  }

  /**
   * The next `times` calls answer 200 with `body` without running: a read
   * that sees an older account (a list that misses what a parallel run just
   * made). JSON services only (Lambda, API Gateway, Logs, EventBridge, tagging).
   */
  answer(operation: string, body: unknown, options: { times?: number } = {}): this {
    this.rules.push({ selector: operation, kind: 'answer', remaining: options.times ?? 1, body });
    return this;
  }

  /** Every matching request takes `ms` longer: simulated time always, wall time with `real`. */
  latency(operation: string, ms: number, options: { real?: boolean } = {}): this {
    this.latencies.push({ selector: operation, ms, real: options.real ?? false });
    return this;
  }

  clear(): void {
    this.rules.length = 0;
    this.latencies.length = 0;
  }

  /** The first live rule of `kinds` for this call, consumed. */
  take(
    service: ServiceName,
    operation: string,
    kinds: FaultKind[],
    input: Record<string, unknown> = {},
  ): FaultRule | undefined {
    const rule = this.rules.find(
      (r) =>
        r.remaining > 0 &&
        kinds.includes(r.kind) &&
        matches(r.selector, service, operation) &&
        (!r.when || r.when({ service, operation, input })),
    );
    if (rule) rule.remaining--;
    return rule;
  }

  latencyFor(service: ServiceName, operation: string): { ms: number; real: boolean } {
    let ms = 0;
    let real = false;
    for (const l of this.latencies)
      if (matches(l.selector, service, operation)) {
        ms += l.ms;
        real ||= l.real;
      }
    return { ms, real };
  }
}
