/** A Lambda-compatible runtime on this machine: `target: local` and `lambda-deploy serve`. */
export {
  startLocalFunction,
  runtimeFamily,
  type LocalFunction,
  type LocalFunctionOptions,
  type LocalFunctionDeps,
  type InvokeResult,
  type InvokeOptions,
} from './local-function.js';
export { StreamedResponse, type InvokeMode } from './response-stream.js';
export { portProblem, startFrontDoor, type FrontDoor, type FrontDoorOptions } from './front-door.js';
export {
  toHttpApiEvent,
  isTextContentType,
  parseQuery,
  type HttpApiEvent,
  type HttpRequestParts,
} from './http-api-event.js';
export { toRestApiEvent, pathUnderStage, parseFormQuery, type RestApiEvent } from './rest-api-event.js';
export { toHttpResponse, type HttpResponseParts } from './http-api-response.js';
export { RuntimeApiServer, type LambdaError, type InvocationOutcome } from './runtime-api-server.js';
export { lambdaEnvironment, INHERITED_VARIABLES, RESERVED_VARIABLES } from './lambda-environment.js';
export type { LogStream } from './log-buffer.js';
export { dependencyTrees, shownSourcePaths, sourcePathRewriter } from './source-paths.js';
