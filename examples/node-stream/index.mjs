// A Node.js Lambda handler that streams its answer (invoke-mode: response-stream):
// the status and headers first, then each line as it is written.
export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
  for (let i = 1; i <= 3; i++) {
    stream.write(`line ${i} of 3\n`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  stream.end();
});
