/**
 * Records every AWS call the code under test makes and checks each against a
 * policy. Recording wraps each client INSTANCE's `send`, so it works with any
 * mocking underneath (aws-sdk-client-mock stubs the prototype's `send`; the
 * instance wrapper sits in front of it), lib-storage's Upload included.
 *
 * Tag conditions need the tags each call's resource had when the call was
 * made. Given the scope and a `tagsOf` that reads the fake's live state, the
 * recorder works out (with the evaluator's own mapping) which resources the
 * call touches and where their tags come from, and keeps a snapshot of those
 * tags with the call, before the call can change them.
 */
import type { AwsClients } from '../../src/aws/clients.js';
import type { PolicyDocument } from '../../src/model/policy-document.js';
import {
  missingPermissions,
  requiredPermissions,
  tagSources,
  type AwsService,
  type CallScope,
  type Permission,
  type ResourceFacts,
  type TagLookup,
} from './policy-check.js';

export interface RecordedCall {
  service: AwsService;
  /** The SDK command class name, e.g. CreateFunctionCommand. */
  command: string;
  input: Record<string, unknown>;
  /** Tags of the resources the call touched (and their tag sources), as they were before it. */
  resourceTags?: Record<string, Record<string, string>>;
  /** Permissions boundaries of the IAM roles the call touched, as they were before it. */
  boundaries?: Record<string, string>;
}

export interface TagRecording {
  scope: CallScope;
  /** The tags a resource has right now in the fake (undefined: none, or it does not exist). */
  tagsOf: TagLookup;
  /** The permissions boundary a role has right now in the fake. */
  boundaryOf?: (roleArn: string) => string | undefined;
}

/** The tags, as they are now, of every resource the call touches and of their tag sources. */
function snapshot(call: RecordedCall, recording: TagRecording): void {
  let permissions: Permission[] = [];
  try {
    permissions = requiredPermissions(call.service, call.command, call.input, recording.scope);
  } catch {
    return; // an unmapped call: checkCalls reports it
  }
  call.resourceTags = {};
  for (const { resource } of permissions) {
    for (const source of tagSources(resource)) {
      const tags = recording.tagsOf(source);
      if (tags) call.resourceTags[source] = { ...tags };
    }
    const boundary = recording.boundaryOf?.(resource);
    if (boundary) (call.boundaries ??= {})[resource] = boundary;
  }
}

/** The facts a recorded call was made with, or the fallback for calls written out by hand. */
export function factsOf(call: RecordedCall, fallback: ResourceFacts = {}): ResourceFacts {
  if (!call.resourceTags) return fallback;
  const tags = call.resourceTags;
  const boundaries = call.boundaries ?? {};
  return { tags: (arn) => tags[arn], permissionsBoundary: (arn) => boundaries[arn] };
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
  tags?: TagRecording,
): RecordedCall[] {
  for (const service of SERVICES) {
    const client = clients[service] as Sendable | undefined;
    if (!client) continue;
    const original = client.send.bind(client);
    client.send = (command: unknown, ...rest: unknown[]) => {
      const c = command as { constructor: { name: string }; input?: Record<string, unknown> };
      const call: RecordedCall = {
        service,
        command: c.constructor.name,
        input: structuredCloneSafe(c.input ?? {}),
      };
      if (tags) snapshot(call, tags);
      calls.push(call);
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
  /** Facts for calls recorded without a snapshot (the written-out lists). */
  fallback?: ResourceFacts,
): Violation[] {
  const violations: Violation[] = [];
  for (const call of calls) {
    try {
      const missing = missingPermissions(
        document,
        call.service,
        call.command,
        call.input,
        scope,
        factsOf(call, fallback),
      );
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
