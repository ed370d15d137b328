/** The actions the deploy roles' statements grant, per service, and the IAM writes the preview role is denied. */

/** Lambda actions every deploy, rollback, undeploy and prune needs on the project's functions. */
export const FUNCTION_ACTIONS: readonly string[] = [
  'lambda:GetFunction',
  // GetFunctionConfiguration, UpdateFunctionConfiguration (not GetFunctionConcurrency).
  'lambda:GetFunctionConf*',
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConf*',
  // PublishVersion, ListVersionsByFunction (the layers' are PublishLayerVersion, ListLayerVersions).
  // Each pattern here names one action or a few, and keeps the preview policy under IAM's size limit;
  // test/iam/action-patterns.test.ts checks each against AWS's list of actions.
  'lambda:PublishV*',
  'lambda:ListVersions*',
  'lambda:DeleteFunction',
  'lambda:GetAlias',
  'lambda:CreateAlias',
  'lambda:UpdateAlias',
  'lambda:AddPermission',
  'lambda:RemovePermission',
  'lambda:GetPolicy',
  // TagResource and UntagResource (a deploy removes its lambda-deploy:deploying mark when it ends):
  // no other Lambda action ends so; one pattern for IAM's size limit.
  'lambda:*TagResource',
  'lambda:ListTags',
  // ListFunctionUrlConfigs: undeploy looks for a function URL on every function it removes.
  'lambda:ListFunctionU*',
];

/**
 * Create, Get, Delete and Update (invoke-mode: an existing URL switched between BUFFERED and
 * RESPONSE_STREAM): no other Lambda action ends so (ListFunctionUrlConfigs has an s), and one pattern
 * keeps the preview policy under IAM's size limit (test/iam/action-patterns.test.ts).
 */
export const FUNCTION_URL_ACTIONS = ['lambda:*FunctionUrlConfig'];

/** PutProvisionedConcurrencyConfig: the production role's only. */
export const PUT_PROVISIONED_CONCURRENCY = 'lambda:PutProv*';
/**
 * Get, Put and DeleteProvisionedConcurrencyConfig, one action each (ListProvisionedConcurrencyConfigs
 * starts otherwise): short patterns keep the preview policy under IAM's size limit (see FUNCTION_ACTIONS).
 */
export const PROVISIONED_CONCURRENCY_ACTIONS = [
  'lambda:GetProv*',
  PUT_PROVISIONED_CONCURRENCY,
  'lambda:DeleteProv*',
];

/** Prune's: the production role's only (see previewDenies). */
export const DELETE_LAYER_VERSION = 'lambda:DeleteLayerVersion';
export const LAYER_ACTIONS = [
  'lambda:PublishLayerVersion',
  'lambda:ListLayerVersions',
  'lambda:GetLayerVersion',
  DELETE_LAYER_VERSION,
];

/** Bucket-level calls on a bucket someone else set up: HeadBucket is authorized as s3:ListBucket. */
export const BUCKET_READ_ACTIONS = ['s3:ListBucket', 's3:GetBucketLocation'];
/** A deploy to the default bucket checks its lifecycle rule (written last when the bucket is set up). */
export const DEFAULT_BUCKET_READ_ACTIONS = [...BUCKET_READ_ACTIONS, 's3:GetLifecycleConfiguration'];

/** Creating the default bucket secure: private, encrypted, owner-enforced, old artifacts expire. */
export const BUCKET_SETUP_ACTIONS = [
  's3:CreateBucket',
  's3:PutBucketPublicAccessBlock',
  's3:PutEncryptionConfiguration',
  's3:GetEncryptionConfiguration',
  's3:PutBucketOwnershipControls',
  's3:GetLifecycleConfiguration',
  's3:PutLifecycleConfiguration',
];

/** HeadObject is authorized as s3:GetObject; multipart uploads as s3:PutObject. */
export const OBJECT_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'];

/** FilterLogEvents (the only logs action that starts so; see FUNCTION_ACTIONS on patterns). */
export const LOG_ACTIONS = ['logs:Filter*', 'logs:DeleteLogGroup', 'logs:ListTagsForResource'];

/** Making a keep-warm rule (PutRule with tags needs TagResource): the production role's only. */
export const RULE_WRITE_ACTIONS = ['events:PutRule', 'events:PutTargets', 'events:TagResource'];
export const RULE_REMOVAL_ACTIONS = [
  'events:DescribeRule',
  // ListTargetsByRule; ListTagsForResource (see FUNCTION_ACTIONS on patterns).
  'events:ListTargets*',
  'events:RemoveTargets',
  'events:DeleteRule',
  'events:ListTags*',
];

export const APIGATEWAY_VERBS = [
  'apigateway:GET',
  'apigateway:POST',
  'apigateway:PATCH',
  'apigateway:PUT',
  'apigateway:DELETE',
];

/**
 * Every IAM write (access levels Write, Permissions management, Tagging) but
 * PassRole, which the preview role needs for its own execution role, by the
 * first letters of IAM's verbs: every write verb starts with A, C, D, E, Pu,
 * R, Se, T or U (Accept, Add, ..., Put, Reject, Remove, Reset, Resync, Send,
 * Set, Tag, Untag, Update, Upload); the reads start with Get, List, Generate
 * and Simulate. Nine patterns instead of one per verb keep the preview policy
 * under IAM's size limit; a verb AWS adds later under one of these letters is
 * denied too, whatever it does. test/iam/sar-model.test.ts checks that these
 * cover every such action AWS lists and no read.
 */
export const IAM_WRITES: readonly string[] = [
  'iam:A*',
  'iam:C*',
  'iam:D*',
  'iam:E*',
  'iam:Pu*',
  'iam:R*',
  'iam:Se*',
  'iam:T*',
  'iam:U*',
];
