/**
 * The one call log: every request the fake received, in order, with the
 * service and SDK operation, the parameters that name what it touched, the
 * (simulated) time it arrived and how it was answered. Tests assert call
 * sequences on it; the IAM policy coverage checks each entry against the
 * generated policies.
 */
import type { ServiceName } from './errors.js';
import type { FaultKind } from './faults.js';

export interface AwsCall {
  /** 1, 2, 3… in arrival order. */
  seq: number;
  service: ServiceName | 'unknown';
  /** The SDK operation name: CreateFunction, PutObject, GetApis. */
  operation: string;
  /**
   * The request's parameters by their SDK member names (path and query ids,
   * body members; S3: Bucket, Key, ExpectedBucketOwner, ChecksumSHA256…).
   * Code, secrets and payloads are summarised, never kept.
   */
  input: Record<string, unknown>;
  /** When it arrived, on the fake's clock (ms since the epoch). */
  at: number;
  /** The HTTP status answered (0: the connection was dropped). */
  status: number;
  /** The error code, when it answered with one. */
  error?: string;
  /** The fault rule that shaped the answer, if any. */
  fault?: FaultKind;
  /** '' for an unsigned request (STS AssumeRoleWithWebIdentity). */
  accessKeyId: string;
  /**
   * Wall time (performance.now(), ms) from the request's arrival to its
   * answer: two requests that overlap were in flight together.
   */
  wall: { start: number; end: number };
}

export class CallLog {
  readonly calls: AwsCall[] = [];

  add(call: Omit<AwsCall, 'seq'>): AwsCall {
    const entry = { seq: this.calls.length + 1, ...call };
    this.calls.push(entry);
    return entry;
  }

  /** Calls of one service, or of one operation (`CreateApi`, `apiGatewayV2:CreateStage`). */
  of(filter: { service?: ServiceName; operation?: string } = {}): AwsCall[] {
    return this.calls.filter(
      (c) =>
        (!filter.service || c.service === filter.service) &&
        (!filter.operation ||
          c.operation === filter.operation ||
          `${c.service}:${c.operation}` === filter.operation),
    );
  }

  /** Operation names in order: of one service (`['GetApis', 'CreateApi']`), else `service:Operation`. */
  operations(service?: ServiceName): string[] {
    return this.of({ service }).map((c) => (service ? c.operation : `${c.service}:${c.operation}`));
  }

  /** Counts by `service:Operation`. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.calls)
      out[`${c.service}:${c.operation}`] = (out[`${c.service}:${c.operation}`] ?? 0) + 1;
    return out;
  }

  /** The calls that change something (Create, Put, Update, Delete, Add, Remove, Tag, Publish…), as operation names. */
  writes(service?: ServiceName): string[] {
    return this.operations(service).filter((op) =>
      /(^|:)(Create|Put|Update|Delete|Add|Remove|Tag|Untag|Publish|Upload|Complete|Abort|Attach|Detach)/.test(
        op,
      ),
    );
  }

  /**
   * Round trips the calls waited for one after another: the most calls of
   * which no two overlapped in time (each was sent only after the one before
   * was answered). Requests sent together overlap as long as the fake takes
   * any time to answer: give it a latency (`faults.latency('*', ms, { real: true })`).
   */
  roundTrips(calls: readonly AwsCall[] = this.calls): number {
    // Interval scheduling: taking the call that ends first each time finds the longest such chain.
    let count = 0;
    let last = Number.NEGATIVE_INFINITY;
    for (const c of [...calls].sort((a, b) => a.wall.end - b.wall.end)) {
      if (c.wall.start < last) continue;
      count++;
      last = c.wall.end;
    }
    return count;
  }

  clear(): void {
    this.calls.length = 0;
  }
}
