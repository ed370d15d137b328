// A Node.js Lambda handler answering API Gateway HTTP API (payload 2.0) events.
export const handler = async (event) => {
  const name = event.queryStringParameters?.name ?? 'world';
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: `Hello, ${name}!`, path: event.rawPath ?? '/' }),
  };
};
