/**
 * Records every AWS call the code under test makes and checks each against a
 * policy. Recording wraps each client INSTANCE's `send`, so it works with any
 * mocking underneath (aws-sdk-client-mock stubs the prototype's `send`; the
 * instance wrapper sits in front of it), lib-storage's Upload included.
 */
import type { AwsClients } from '../../src/aws/clients.js';
import type { PolicyDocument } from '../../src/iam/policy-document.js';
import {
  missingPermissions,
  type AwsService,
  type CallScope,
  type Permission,
} from '../../src/iam/policy-check.js';

export interface RecordedCall {
  service: AwsService;
  /** The SDK command class name, e.g. CreateFunctionCommand. */
  command: string;
  input: Record<string, unknown>;
}

const SERVICES: readonly AwsService[] = [
  'lambda',
  's3',
  'iam',
  'sts',
  'apiGateway',
  'apiGatewayV2',
  'logs',
  'tagging',
  'events',
];

type Sendable = { send: (command: unknown, ...rest: unknown[]) => Promise<unknown> };

/** Wraps the `send` of every client given; returns the (growing) list of calls. */
export function recordCalls(
  clients: Partial<Omit<AwsClients, 'region'>>,
  calls: RecordedCall[] = [],
): RecordedCall[] {
  for (const service of SERVICES) {
    const client = clients[service] as Sendable | undefined;
    if (!client) continue;
    const original = client.send.bind(client);
    client.send = (command: unknown, ...rest: unknown[]) => {
      const c = command as { constructor: { name: string }; input?: Record<string, unknown> };
      calls.push({ service, command: c.constructor.name, input: structuredCloneSafe(c.input ?? {}) });
      return original(command, ...rest);
    };
  }
  return calls;
}

/** Inputs hold streams and buffers (uploads): keep only what names a resource. */
function structuredCloneSafe(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || typeof v === 'function') continue;
    if (v instanceof Uint8Array || (typeof v === 'object' && v !== null && 'pipe' in v)) out[k] = '[bytes]';
    else if (typeof v === 'object' && v !== null && !Array.isArray(v))
      out[k] = structuredCloneSafe(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

export interface Violation {
  call: RecordedCall;
  missing: Permission[];
  /** Set when the call could not be mapped to IAM at all. */
  error?: string;
}

/** The calls the policy does not allow, each with what is missing. */
export function checkCalls(
  document: PolicyDocument,
  calls: readonly RecordedCall[],
  scope: CallScope,
): Violation[] {
  const violations: Violation[] = [];
  for (const call of calls) {
    try {
      const missing = missingPermissions(document, call.service, call.command, call.input, scope);
      if (missing.length) violations.push({ call, missing });
    } catch (error) {
      violations.push({ call, missing: [], error: (error as Error).message });
    }
  }
  return violations;
}

/** One line per violation, for a readable test failure. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations
    .map((v) =>
      v.error
        ? `${v.call.service} ${v.call.command}: ${v.error}`
        : `${v.call.service} ${v.call.command}: ${v.missing.map((m) => `${m.action} on ${m.resource}`).join(', ')}`,
    )
    .join('\n');
}

/** Distinct `service command` pairs, for asserting what a scenario exercised. */
export function operations(calls: readonly RecordedCall[]): Set<string> {
  return new Set(calls.map((c) => `${c.service} ${c.command.replace(/Command$/, '')}`));
}
