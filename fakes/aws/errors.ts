/**
 * Every error the fake answers with, per service, with the HTTP status AWS
 * gives it. The statuses come from AWS's own service models (the Smithy
 * `httpError` / `awsQueryError` traits the SDK clients are generated from;
 * fake-aws.test.ts checks this table against the installed clients). JSON 1.1
 * services (Logs, EventBridge, the tagging API) carry no status in their
 * models: AWS answers their client errors with 400 and server errors with 500.
 */

/** The services, named as the AwsClients members that call them. */
export type ServiceName =
  'lambda' | 'iam' | 'sts' | 's3' | 'apiGateway' | 'apiGatewayV2' | 'logs' | 'events' | 'tagging';

export const SERVICES: readonly ServiceName[] = [
  'lambda',
  'iam',
  'sts',
  's3',
  'apiGateway',
  'apiGatewayV2',
  'logs',
  'events',
  'tagging',
];

export const ERROR_STATUS: Record<ServiceName, Record<string, number>> = {
  lambda: {
    ResourceNotFoundException: 404,
    ResourceConflictException: 409,
    InvalidParameterValueException: 400,
    PreconditionFailedException: 412,
    ProvisionedConcurrencyConfigNotFoundException: 404,
    PolicyLengthExceededException: 400,
    RequestTooLargeException: 413,
    TooManyRequestsException: 429,
    ServiceException: 500,
    // Not in Lambda's model: AWS's common error, named as Lambda sends it.
    AccessDeniedException: 403,
  },
  apiGateway: {
    BadRequestException: 400,
    ConflictException: 409,
    NotFoundException: 404,
    LimitExceededException: 429,
    TooManyRequestsException: 429,
    UnauthorizedException: 401,
    ServiceUnavailableException: 503,
    AccessDeniedException: 403,
  },
  apiGatewayV2: {
    AccessDeniedException: 403,
    BadRequestException: 400,
    ConflictException: 409,
    NotFoundException: 404,
    TooManyRequestsException: 429,
    InternalServerError: 500,
  },
  // Query protocol: the wire codes (the SDK appends "Exception" to some).
  iam: {
    NoSuchEntity: 404,
    EntityAlreadyExists: 409,
    MalformedPolicyDocument: 400,
    InvalidInput: 400,
    LimitExceeded: 409,
    DeleteConflict: 409,
    UnmodifiableEntity: 400,
    ServiceFailure: 500,
    Throttling: 400,
    AccessDenied: 403,
    ValidationError: 400,
  },
  sts: {
    AccessDenied: 403,
    ExpiredTokenException: 400,
    InvalidIdentityToken: 400,
    IDPCommunicationError: 400,
    IDPRejectedClaim: 403,
    ValidationError: 400,
    Throttling: 400,
    InternalFailure: 500,
  },
  s3: {
    AccessDenied: 403,
    BadDigest: 400,
    BucketAlreadyExists: 409,
    BucketAlreadyOwnedByYou: 409,
    BucketNotEmpty: 409,
    IllegalLocationConstraintException: 400,
    InvalidLocationConstraint: 400,
    IncompleteBody: 400,
    InvalidArgument: 400,
    InvalidBucketName: 400,
    InvalidDigest: 400,
    EntityTooSmall: 400,
    MalformedPolicy: 400,
    InvalidPart: 400,
    InvalidPartOrder: 400,
    InvalidRequest: 400,
    MalformedXML: 400,
    NoSuchBucket: 404,
    NoSuchKey: 404,
    NoSuchUpload: 404,
    NoSuchLifecycleConfiguration: 404,
    NoSuchBucketPolicy: 404,
    NoSuchPublicAccessBlockConfiguration: 404,
    ServerSideEncryptionConfigurationNotFoundError: 404,
    OwnershipControlsNotFoundError: 404,
    NoSuchTagSet: 404,
    NotImplemented: 501,
    PreconditionFailed: 412,
    ConditionalRequestConflict: 409,
    SlowDown: 503,
    InternalError: 500,
  },
  logs: {
    ResourceNotFoundException: 400,
    ResourceAlreadyExistsException: 400,
    InvalidParameterException: 400,
    ThrottlingException: 400,
    AccessDeniedException: 400,
    ServiceUnavailableException: 500,
  },
  events: {
    ResourceNotFoundException: 400,
    ValidationException: 400,
    LimitExceededException: 400,
    ThrottlingException: 400,
    AccessDeniedException: 400,
    InternalException: 500,
  },
  tagging: {
    InvalidParameterException: 400,
    PaginationTokenExpiredException: 400,
    ThrottledException: 400,
    AccessDeniedException: 400,
    InternalServiceException: 500,
  },
};

/** What each service answers when it throttles, denies, or fails inside. */
export const COMMON_ERRORS: Record<ServiceName, { throttle: string; deny: string; internal: string }> = {
  lambda: {
    throttle: 'TooManyRequestsException',
    deny: 'AccessDeniedException',
    internal: 'ServiceException',
  },
  apiGateway: {
    throttle: 'TooManyRequestsException',
    deny: 'AccessDeniedException',
    internal: 'ServiceUnavailableException',
  },
  apiGatewayV2: {
    throttle: 'TooManyRequestsException',
    deny: 'AccessDeniedException',
    internal: 'InternalServerError',
  },
  iam: { throttle: 'Throttling', deny: 'AccessDenied', internal: 'ServiceFailure' },
  sts: { throttle: 'Throttling', deny: 'AccessDenied', internal: 'InternalFailure' },
  s3: { throttle: 'SlowDown', deny: 'AccessDenied', internal: 'InternalError' },
  logs: {
    throttle: 'ThrottlingException',
    deny: 'AccessDeniedException',
    internal: 'ServiceUnavailableException',
  },
  events: { throttle: 'ThrottlingException', deny: 'AccessDeniedException', internal: 'InternalException' },
  tagging: {
    throttle: 'ThrottledException',
    deny: 'AccessDeniedException',
    internal: 'InternalServiceException',
  },
};

/** An AWS error answer. The status comes from the catalog, so it is stated once per error. */
export class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra headers (Retry-After) or body members (Lambda's Type, Reason). */
    readonly extra: { headers?: Record<string, string>; fields?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'AwsFault';
  }
}

/** Errors for requests the fake cannot route. */
const AUTH_ERRORS: Record<string, number> = {
  UnknownOperationException: 404,
  InvalidAction: 400,
  SerializationException: 400,
};

export function statusOf(service: ServiceName, code: string): number {
  const status = ERROR_STATUS[service][code] ?? AUTH_ERRORS[code];
  if (status === undefined) throw new Error(`fake AWS: no status known for ${service} error ${code}`);
  return status;
}

/** `fault('lambda', 'ResourceNotFoundException', 'Function not found: ...')`. */
export function fault(
  service: ServiceName,
  code: string,
  message: string,
  extra?: AwsFault['extra'],
): AwsFault {
  return new AwsFault(statusOf(service, code), code, message, extra);
}
