/**
 * The local front door standing in for a REST API (`gateway: rest-api`):
 * served under `/{stage}` like execute-api, payload format 1.0 events, the
 * proxy integration's stricter response rules.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RecordingLogger } from '../../src/util/logger.js';
import {
  startFrontDoor,
  type FrontDoor,
  type LocalFunction,
  type RestApiEvent,
} from '../../src/local-runtime/index.js';
import { awsEvent, startPythonDoor, type PythonDoor } from './helpers.js';

// Answers with the event it received; /cookies sets two, /v2 answers in the 2.0 shape.
const APP = `
import json

def handler(event, context):
    if event["path"] == "/cookies":
        return {"statusCode": 200, "headers": {"Content-Type": "text/plain"},
                "multiValueHeaders": {"Set-Cookie": ["a=1; Path=/", "b=2; Path=/"]}, "body": "ok"}
    if event["path"] == "/v2":
        return {"statusCode": 200, "cookies": ["a=1"], "body": "cookies is not a 1.0 key"}
    if event["path"] == "/plain":
        return {"just": "data"}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}
`;

let fn: LocalFunction;
let door: FrontDoor;
let served: PythonDoor | undefined;
const logger = new RecordingLogger();

beforeAll(async () => {
  served = await startPythonDoor(
    APP,
    { functionName: 'rest-door', timeout: 5 },
    { logger, gateway: 'rest-api', stage: 'pr-7' },
  );
  ({ fn, door } = served);
});

afterAll(async () => {
  await served?.stop();
});

describe('startFrontDoor with gateway rest-api', () => {
  it('serves under /{stage}, like execute-api', () => {
    expect(door.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pr-7$/);
  });

  it('turns a request under the stage into a 1.0 event without the stage in path', async () => {
    const res = await fetch(`${door.url}/items/7?tag=a&tag=b&q=x+y`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2' },
      body: '{"name":"widget"}',
    });
    expect(res.status).toBe(200);
    const event = (await res.json()) as RestApiEvent;
    expect(event).toMatchObject({
      resource: '/{proxy+}',
      path: '/items/7',
      httpMethod: 'POST',
      queryStringParameters: { tag: 'b', q: 'x y' },
      multiValueQueryStringParameters: { tag: ['a', 'b'], q: ['x y'] },
      pathParameters: { proxy: 'items/7' },
      isBase64Encoded: true,
      requestContext: { path: '/pr-7/items/7', stage: 'pr-7', resourcePath: '/{proxy+}', httpMethod: 'POST' },
    });
    expect(Buffer.from(event.body ?? '', 'base64').toString()).toBe('{"name":"widget"}');
    expect(event.headers.cookie).toBe('c1=v1; c2=v2');
    // As execute-api: the request id (a UUID) in x-amzn-RequestId, the extended one in x-amz-apigw-id.
    const awsId = (awsEvent('rest-api-v1-post-proxy').requestContext as { requestId: string }).requestId;
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect([awsId, event.requestContext.requestId]).toEqual([
      expect.stringMatching(uuid),
      expect.stringMatching(uuid),
    ]);
    expect(res.headers.get('x-amzn-requestid')).toBe(event.requestContext.requestId);
    expect(res.headers.get('x-amz-apigw-id')).toBe(event.requestContext.extendedRequestId);
    expect(event.requestContext.extendedRequestId).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    expect(res.headers.has('apigw-requestid')).toBe(false);
  });

  it.each(['/pr-7', '/pr-7/'])('%s is the root resource', async (path) => {
    const res = await fetch(`${new URL(door.url).origin}${path}`);
    const event = (await res.json()) as RestApiEvent;
    expect([event.resource, event.path, event.requestContext.path]).toEqual(['/', '/', path]);
  });

  it.each(['/', '/items/7', '/pr-70/x', '/main/x'])(
    '%s is outside the stage: 403, the function not called',
    async (path) => {
      const before = fn.logs().filter((l) => l.includes('START RequestId')).length;
      const res = await fetch(`${new URL(door.url).origin}${path}`);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: 'Forbidden' });
      expect(fn.logs().filter((l) => l.includes('START RequestId')).length).toBe(before);
      // Its request line says why, and where the stage is: `serve` logs one line per request.
      expect(logger.text('info')).toContain(
        `GET ${path} -> 403 (outside the stage: the REST API serves ${new URL(door.url).origin}/pr-7/...)`,
      );
    },
  );

  it('sends every Set-Cookie of multiValueHeaders', async () => {
    const res = await fetch(`${door.url}/cookies`);
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(await res.text()).toBe('ok');
  });

  it.each(['/v2', '/plain'])('%s: a result REST cannot read is a 502, as on AWS', async (path) => {
    const res = await fetch(`${door.url}${path}`);
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ message: 'Internal server error' });
    expect(logger.text('warning')).toMatch(
      new RegExp(`GET /pr-7${path} -> 502: Malformed Lambda proxy response`),
    );
  });

  it('refuses a stage name execute-api could not have', async () => {
    await expect(startFrontDoor(fn, { gateway: 'rest-api', stage: 'a/b' })).rejects.toThrow(
      'REST API stage "a/b" must be letters, digits, - and _',
    );
  });
});
