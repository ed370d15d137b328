/**
 * `lambda-deploy setup --cloudformation`: the same resources as `setup`, as a
 * CloudFormation template (JSON, which CloudFormation reads as it reads YAML),
 * for teams that keep IAM as code. The documents are the very ones setup
 * writes (setupDocuments), so the two cannot drift apart.
 *
 * CloudFormation cannot create a resource "if missing": an account that
 * already has GitHub's OIDC provider deploys the stack with
 * CreateOidcProvider=false.
 */
import { ARTIFACT_PREFIX, LIFECYCLE_RULE_ID } from '../resources/artifacts/artifact-bucket.js';
import { INLINE_POLICY_NAME, type RoleDocuments, type SetupDocuments } from './setup-documents.js';

type Json = Record<string, unknown>;

const tags = (t: Record<string, string>) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));

/**
 * The deploy roles trust the provider this stack may create: `Ref` to it when
 * it does (so the role waits for it; IAM refuses a trust naming a provider that
 * does not exist yet), the existing provider's ARN when it does not.
 */
function trustOf(r: RoleDocuments, providerArn: string): unknown {
  return {
    ...r.trust,
    Statement: r.trust.Statement.map((s) =>
      typeof s.Principal === 'object' && s.Principal.Federated === providerArn
        ? {
            ...s,
            Principal: {
              Federated: { 'Fn::If': ['CreateOidcProvider', { Ref: 'GitHubOidcProvider' }, providerArn] },
            },
          }
        : s,
    ),
  };
}

function role(r: RoleDocuments, providerArn: string, boundaryRef?: string): Json {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: r.name,
      Description: r.description,
      AssumeRolePolicyDocument: trustOf(r, providerArn),
      Policies: [{ PolicyName: INLINE_POLICY_NAME, PolicyDocument: r.policy }],
      ...(boundaryRef && { PermissionsBoundary: { Ref: boundaryRef } }),
      Tags: tags(r.tags),
    },
  };
}

/** The artifact bucket: private, encrypted, owned by the account, artifacts expiring. */
function bucketResource(bucket: SetupDocuments['bucket']): Json {
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    Properties: {
      BucketName: bucket.name,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: LIFECYCLE_RULE_ID,
            Status: 'Enabled',
            Prefix: ARTIFACT_PREFIX,
            ExpirationInDays: bucket.expireAfterDays,
            NoncurrentVersionExpiration: { NoncurrentDays: bucket.expireAfterDays },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
      },
    },
  };
}

export function cloudFormationTemplate(docs: SetupDocuments): Json {
  const bucket = docs.bucket;
  const provider = docs.oidcProvider.arn;
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `lambda-deploy: deploy roles, execution roles and artifact bucket of ${docs.boundary.name.replace(/-lambda-deploy-boundary$/, '')}`,
    Parameters: {
      CreateOidcProvider: {
        Type: 'String',
        AllowedValues: ['true', 'false'],
        Default: 'true',
        Description: 'false when the account already has the token.actions.githubusercontent.com provider',
      },
    },
    Conditions: { CreateOidcProvider: { 'Fn::Equals': [{ Ref: 'CreateOidcProvider' }, 'true'] } },
    Resources: {
      GitHubOidcProvider: {
        Type: 'AWS::IAM::OIDCProvider',
        Condition: 'CreateOidcProvider',
        Properties: { Url: docs.oidcProvider.url, ClientIdList: [docs.oidcProvider.audience] },
      },
      ExecutionBoundary: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          ManagedPolicyName: docs.boundary.name,
          Description: 'The most a lambda-deploy production function may do (permissions boundary)',
          PolicyDocument: docs.boundary.document,
        },
      },
      ProductionExecutionRole: role(docs.executionRoles.production, provider, 'ExecutionBoundary'),
      PreviewExecutionRole: role(docs.executionRoles.preview, provider),
      ProductionDeployRole: role(docs.deployRoles.production, provider),
      PreviewDeployRole: role(docs.deployRoles.preview, provider),
      ArtifactBucket: bucketResource(bucket),
      ArtifactBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: { Bucket: { Ref: 'ArtifactBucket' }, PolicyDocument: bucket.policy },
      },
    },
    Outputs: {
      ProductionRoleArn: {
        Description: 'production-role of the reusable workflow',
        Value: { 'Fn::GetAtt': ['ProductionDeployRole', 'Arn'] },
      },
      PreviewRoleArn: {
        Description: 'preview-role of the reusable workflow',
        Value: { 'Fn::GetAtt': ['PreviewDeployRole', 'Arn'] },
      },
    },
  };
}
