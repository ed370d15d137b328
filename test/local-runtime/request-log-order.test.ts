import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RecordingLogger } from '../../src/util/logger.js';
import type { FrontDoor, LocalFunction } from '../../src/local-runtime/index.js';
import { startPythonDoor, type PythonDoor } from './helpers.js';

// What a handler prints right before it returns must be logged before its END and REPORT lines.
const APP = `
import sys

def handler(event, context):
    path = event.get("rawPath", "")
    if path == "/fail":
        print("Traceback (most recent call last):")
        print('  File "app.py", line 9, in handler')
        print("ValueError: bad input")
        return {"statusCode": 500, "body": "oops"}
    if path == "/raise":
        raise RuntimeError("kaput")
    if path == "/sleep":
        import time
        time.sleep(30)
    if path.startswith("/loud/"):
        # More than a pipe holds (64 KiB): its last part is read about when the result arrives.
        sys.stdout.write(("x" * 99 + "\\n") * 700)
    print("last words", path)
    sys.stderr.write("err words %s\\n" % path)
    return {"statusCode": 200, "body": path}
`;

let fn: LocalFunction;
let door: FrontDoor;
let served: PythonDoor | undefined;
const logger = new RecordingLogger();

beforeAll(async () => {
  served = await startPythonDoor(
    APP,
    { functionName: 'ordered', runtime: 'python3.12' },
    {
      logger,
      // A function URL names the invocation in x-amzn-RequestId: the id of its END and REPORT lines.
      gateway: 'function-url',
      showErrors: () => true,
    },
  );
  ({ fn, door } = served);
});

afterAll(async () => {
  await served?.stop();
});

/** Where each of `texts` is first found in `lines`, in that order (-1: not at all, or not after the one before). */
function positions(lines: string[], texts: string[]): number[] {
  let from = 0;
  return texts.map((text) => {
    const at = lines.findIndex((line, i) => i >= from && line.includes(text));
    from = at + 1;
    return at;
  });
}

describe('the log lines of a request', () => {
  it('has, once the client has the answer, what the handler printed last, then END, REPORT, then the request line', async () => {
    for (let i = 0; i < 40; i++) {
      // Every other one prints 70 KB first: the pipe is still being read as the result arrives.
      const path = i % 2 === 0 ? `/say/${i}` : `/loud/${i}`;
      const res = await fetch(`${door.url}${path}`);
      const id = res.headers.get('x-amzn-requestid') ?? 'none';
      expect(await res.text()).toBe(path);
      const words = [`last words ${path}`, `err words ${path}`];
      const own = [`END RequestId: ${id}`, `REPORT RequestId: ${id}`];
      expect(positions(fn.logs(), [...words, ...own]).every((at) => at >= 0)).toBe(true);
      const shown = logger.lines.map((line) => line.message);
      expect(positions(shown, [...words, ...own, `GET ${path} -> 200`]).every((at) => at >= 0)).toBe(true);
    }
  });

  it("shows the traceback an app printed before its 500 under the request's line", async () => {
    const res = await fetch(`${door.url}/fail`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('oops');
    const shown = logger.lines.map((line) => `${line.level} ${line.message}`);
    const at = positions(shown, ['info GET /fail -> 500', 'untrusted     Traceback']);
    expect(at.every((i) => i >= 0)).toBe(true);
    expect(shown[at[1]!]).toContain('    ValueError: bad input');
  });

  it('answers an error with 502 and a timeout with 504, each logged before its END, and goes on', async () => {
    const raised = await fetch(`${door.url}/raise`);
    expect(raised.status).toBe(502);
    const raisedId = raised.headers.get('x-amzn-requestid') ?? 'none';
    await raised.arrayBuffer();
    const timedOut = await fetch(`${door.url}/sleep`);
    expect(timedOut.status).toBe(504);
    const timedOutId = timedOut.headers.get('x-amzn-requestid') ?? 'none';
    await timedOut.arrayBuffer();
    const logs = fn.logs();
    const kaput = positions(logs, ['RuntimeError: kaput', `END RequestId: ${raisedId}`]);
    expect(kaput.every((i) => i >= 0)).toBe(true);
    const slept = positions(logs, ['Task timed out after 1.00 seconds', `END RequestId: ${timedOutId}`]);
    expect(slept.every((i) => i >= 0)).toBe(true);
    expect(logs.join('\n')).toContain(`REPORT RequestId: ${timedOutId} Duration:`);
    const again = await fetch(`${door.url}/again`);
    expect(await again.text()).toBe('/again');
  });
});
