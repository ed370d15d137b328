/**
 * An in-memory account for `setup`: IAM (OIDC providers, managed policies with
 * versions, roles with trust, boundary, inline policies and tags) and S3
 * (buckets with their settings), behind aws-sdk-client-mock. Stateful like
 * AWS: what a write puts there, the next read returns (IAM documents
 * URL-encoded, as IAM returns them), missing things answer with AWS's errors,
 * IAM refuses a trust policy naming a provider that does not exist, and a
 * policy keeps at most five versions.
 */
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

const meta = (status: number) => ({ $metadata: { httpStatusCode: status } });
const fault = (name: string, status: number, message = name) =>
  Object.assign(new Error(message), { name, ...meta(status) });

interface Role {
  arn: string;
  trust: string;
  boundary?: string;
  policies: Map<string, string>;
  tags: Record<string, string>;
}

interface Bucket {
  owner: string;
  settings: Map<string, unknown>;
}

export class FakeSetupAccount {
  readonly iam = new iam.IAMClient({
    region: REGION,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  readonly s3 = new s3.S3Client({ region: REGION, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  readonly providers = new Map<string, string[]>();
  readonly policies = new Map<
    string,
    { versions: { id: string; document: string; created: number }[]; default: string }
  >();
  readonly roles = new Map<string, Role>();
  readonly buckets = new Map<string, Bucket>();
  /** Every call, as `Operation`. */
  readonly calls: string[] = [];
  private clock = 0;

  constructor() {
    this.wireIam();
    this.wireS3();
  }

  /** Calls that change something: anything but Get/List/Head. */
  writes(): string[] {
    return this.calls.filter((c) => !/^(Get|List|Head)/.test(c));
  }

  private on<T>(
    mock: ReturnType<typeof mockClient>,
    command: new (...args: never[]) => unknown,
    fn: (input: T) => unknown,
  ): void {
    mock.on(command as never).callsFake(async (input: T) => {
      this.calls.push(command.name.replace(/Command$/, ''));
      return fn(input);
    });
  }

  private role(name: string | undefined): Role {
    const r = this.roles.get(name ?? '');
    if (!r) throw fault('NoSuchEntityException', 404, `The role with name ${name} cannot be found.`);
    return r;
  }

  private wireIam(): void {
    const m = mockClient(this.iam);
    const providerArn = (url: string) =>
      `arn:aws:iam::${ACCOUNT}:oidc-provider/${url.replace('https://', '')}`;
    this.on(m, iam.ListOpenIDConnectProvidersCommand, () => ({
      OpenIDConnectProviderList: [...this.providers.keys()].map((Arn) => ({ Arn })),
    }));
    this.on(m, iam.GetOpenIDConnectProviderCommand, (i: iam.GetOpenIDConnectProviderCommandInput) => {
      const ids = this.providers.get(i.OpenIDConnectProviderArn ?? '');
      if (!ids) throw fault('NoSuchEntityException', 404);
      return { ClientIDList: [...ids] };
    });
    this.on(m, iam.CreateOpenIDConnectProviderCommand, (i: iam.CreateOpenIDConnectProviderCommandInput) => {
      const arn = providerArn(i.Url ?? '');
      if (this.providers.has(arn)) throw fault('EntityAlreadyExistsException', 409);
      this.providers.set(arn, [...(i.ClientIDList ?? [])]);
      return { OpenIDConnectProviderArn: arn };
    });
    this.on(
      m,
      iam.AddClientIDToOpenIDConnectProviderCommand,
      (i: iam.AddClientIDToOpenIDConnectProviderCommandInput) => {
        this.providers.get(i.OpenIDConnectProviderArn ?? '')?.push(i.ClientID ?? '');
        return {};
      },
    );

    const policy = (arn: string | undefined) => {
      const p = this.policies.get(arn ?? '');
      if (!p) throw fault('NoSuchEntityException', 404, `Policy ${arn} was not found.`);
      return p;
    };
    this.on(m, iam.GetPolicyCommand, (i: iam.GetPolicyCommandInput) => ({
      Policy: { Arn: i.PolicyArn, DefaultVersionId: policy(i.PolicyArn).default },
    }));
    this.on(m, iam.GetPolicyVersionCommand, (i: iam.GetPolicyVersionCommandInput) => {
      const v = policy(i.PolicyArn).versions.find((x) => x.id === i.VersionId);
      if (!v) throw fault('NoSuchEntityException', 404);
      return { PolicyVersion: { Document: encodeURIComponent(v.document), VersionId: v.id } };
    });
    this.on(m, iam.ListPolicyVersionsCommand, (i: iam.ListPolicyVersionsCommandInput) => {
      const p = policy(i.PolicyArn);
      return {
        Versions: p.versions.map((v) => ({
          VersionId: v.id,
          IsDefaultVersion: v.id === p.default,
          CreateDate: new Date(v.created),
        })),
      };
    });
    this.on(m, iam.CreatePolicyCommand, (i: iam.CreatePolicyCommandInput) => {
      const arn = `arn:aws:iam::${ACCOUNT}:policy/${i.PolicyName}`;
      if (this.policies.has(arn)) throw fault('EntityAlreadyExistsException', 409);
      this.policies.set(arn, {
        versions: [{ id: 'v1', document: i.PolicyDocument ?? '', created: this.clock++ }],
        default: 'v1',
      });
      return { Policy: { Arn: arn, DefaultVersionId: 'v1' } };
    });
    this.on(m, iam.CreatePolicyVersionCommand, (i: iam.CreatePolicyVersionCommandInput) => {
      const p = policy(i.PolicyArn);
      if (p.versions.length >= 5)
        throw fault('LimitExceededException', 409, 'A managed policy can have up to 5 versions.');
      const id = `v${Math.max(...p.versions.map((v) => Number(v.id.slice(1)))) + 1}`;
      p.versions.push({ id, document: i.PolicyDocument ?? '', created: this.clock++ });
      if (i.SetAsDefault) p.default = id;
      return { PolicyVersion: { VersionId: id } };
    });
    this.on(m, iam.DeletePolicyVersionCommand, (i: iam.DeletePolicyVersionCommandInput) => {
      const p = policy(i.PolicyArn);
      if (i.VersionId === p.default) throw fault('DeleteConflictException', 409);
      p.versions = p.versions.filter((v) => v.id !== i.VersionId);
      return {};
    });

    this.on(m, iam.GetRoleCommand, (i: iam.GetRoleCommandInput) => {
      const r = this.role(i.RoleName);
      return {
        Role: {
          RoleName: i.RoleName,
          Arn: r.arn,
          AssumeRolePolicyDocument: encodeURIComponent(r.trust),
          PermissionsBoundary: r.boundary
            ? { PermissionsBoundaryArn: r.boundary, PermissionsBoundaryType: 'Policy' }
            : undefined,
          Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
        },
      };
    });
    this.on(m, iam.CreateRoleCommand, (i: iam.CreateRoleCommandInput) => {
      if (this.roles.has(i.RoleName ?? '')) throw fault('EntityAlreadyExistsException', 409);
      this.checkTrust(i.AssumeRolePolicyDocument ?? '');
      if (i.PermissionsBoundary && !this.policies.has(i.PermissionsBoundary))
        throw fault(
          'NoSuchEntityException',
          404,
          `Policy ${i.PermissionsBoundary} does not exist or is not attachable.`,
        );
      const arn = `arn:aws:iam::${ACCOUNT}:role/${i.RoleName}`;
      this.roles.set(i.RoleName!, {
        arn,
        trust: i.AssumeRolePolicyDocument ?? '',
        boundary: i.PermissionsBoundary,
        policies: new Map(),
        tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value!])),
      });
      return { Role: { RoleName: i.RoleName, Arn: arn } };
    });
    this.on(m, iam.UpdateAssumeRolePolicyCommand, (i: iam.UpdateAssumeRolePolicyCommandInput) => {
      this.checkTrust(i.PolicyDocument ?? '');
      this.role(i.RoleName).trust = i.PolicyDocument ?? '';
      return {};
    });
    this.on(m, iam.PutRolePermissionsBoundaryCommand, (i: iam.PutRolePermissionsBoundaryCommandInput) => {
      this.role(i.RoleName).boundary = i.PermissionsBoundary;
      return {};
    });
    this.on(m, iam.GetRolePolicyCommand, (i: iam.GetRolePolicyCommandInput) => {
      const doc = this.role(i.RoleName).policies.get(i.PolicyName ?? '');
      if (doc === undefined) throw fault('NoSuchEntityException', 404);
      return { RoleName: i.RoleName, PolicyName: i.PolicyName, PolicyDocument: encodeURIComponent(doc) };
    });
    this.on(m, iam.PutRolePolicyCommand, (i: iam.PutRolePolicyCommandInput) => {
      if ((i.PolicyDocument ?? '').replace(/\s/g, '').length > 10240)
        throw fault('LimitExceededException', 409, 'Maximum policy size of 10240 bytes exceeded for role');
      this.role(i.RoleName).policies.set(i.PolicyName ?? '', i.PolicyDocument ?? '');
      return {};
    });
    this.on(m, iam.TagRoleCommand, (i: iam.TagRoleCommandInput) => {
      const r = this.role(i.RoleName);
      for (const t of i.Tags ?? []) r.tags[t.Key!] = t.Value!;
      return {};
    });
  }

  /** IAM refuses a federated principal that is not a provider of the account. */
  private checkTrust(document: string): void {
    const doc = JSON.parse(document) as { Statement: { Principal?: { Federated?: string } }[] };
    for (const s of doc.Statement) {
      const federated = s.Principal?.Federated;
      if (federated && !this.providers.has(federated))
        throw fault(
          'MalformedPolicyDocumentException',
          400,
          `Invalid principal in policy: "Federated":"${federated}"`,
        );
    }
  }

  private bucket(name: string | undefined, owner: string | undefined): Bucket {
    const b = this.buckets.get(name ?? '');
    if (!b) throw fault('NoSuchBucket', 404);
    if (owner && owner !== b.owner) throw fault('AccessDenied', 403);
    return b;
  }

  private wireS3(): void {
    const m = mockClient(this.s3);
    this.on(m, s3.HeadBucketCommand, (i: s3.HeadBucketCommandInput) => {
      if (!this.buckets.has(i.Bucket ?? '')) throw fault('NotFound', 404);
      this.bucket(i.Bucket, i.ExpectedBucketOwner);
      return {};
    });
    this.on(m, s3.CreateBucketCommand, (i: s3.CreateBucketCommandInput) => {
      if (this.buckets.has(i.Bucket ?? '')) throw fault('BucketAlreadyOwnedByYou', 409);
      const settings = new Map<string, unknown>();
      if (i.ObjectOwnership) settings.set('ownership', { Rules: [{ ObjectOwnership: i.ObjectOwnership }] });
      this.buckets.set(i.Bucket!, { owner: ACCOUNT, settings });
      return {};
    });
    const setting = <In extends { Bucket?: string; ExpectedBucketOwner?: string }>(
      get: new (...args: never[]) => unknown,
      put: new (...args: never[]) => unknown,
      key: string,
      missing: string,
      fromPut: (input: Record<string, unknown>) => unknown,
      toGet: (value: unknown) => unknown,
    ) => {
      this.on(m, get, (i: In) => {
        const value = this.bucket(i.Bucket, i.ExpectedBucketOwner).settings.get(key);
        if (value === undefined) throw fault(missing, 404);
        return toGet(value);
      });
      this.on(m, put, (i: Record<string, unknown>) => {
        this.bucket(i.Bucket as string, i.ExpectedBucketOwner as string).settings.set(key, fromPut(i));
        return {};
      });
    };
    setting(
      s3.GetPublicAccessBlockCommand,
      s3.PutPublicAccessBlockCommand,
      'block',
      'NoSuchPublicAccessBlockConfiguration',
      (i) => i.PublicAccessBlockConfiguration,
      (v) => ({ PublicAccessBlockConfiguration: v }),
    );
    setting(
      s3.GetBucketEncryptionCommand,
      s3.PutBucketEncryptionCommand,
      'encryption',
      'ServerSideEncryptionConfigurationNotFoundError',
      (i) => i.ServerSideEncryptionConfiguration,
      (v) => ({ ServerSideEncryptionConfiguration: v }),
    );
    setting(
      s3.GetBucketOwnershipControlsCommand,
      s3.PutBucketOwnershipControlsCommand,
      'ownership',
      'OwnershipControlsNotFoundError',
      (i) => i.OwnershipControls,
      (v) => ({ OwnershipControls: v }),
    );
    setting(
      s3.GetBucketPolicyCommand,
      s3.PutBucketPolicyCommand,
      'policy',
      'NoSuchBucketPolicy',
      (i) => i.Policy,
      (v) => ({ Policy: v }),
    );
    setting(
      s3.GetBucketLifecycleConfigurationCommand,
      s3.PutBucketLifecycleConfigurationCommand,
      'lifecycle',
      'NoSuchLifecycleConfiguration',
      (i) => (i.LifecycleConfiguration as { Rules: unknown[] }).Rules,
      (v) => ({ Rules: v }),
    );
  }
}
