import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SUBJECTS_PREFIX, TENANTS_PREFIX, TRAINING_PREFIX } from '../../functions/platform/bucket-layout.js';

export interface PhotoStoreProps {
  /**
   * Keep both buckets when the stack is deleted; `false` (dev stacks) destroys and empties them (context
   * `retainData`).
   */
  readonly retainData: boolean;
}

/**
 * The ingest bucket, which holds the photos people drop and the training sets made from them, and the bucket
 * that receives its server access logs. Grants are per prefix: a function that reads photos cannot read or
 * overwrite training sets, and only PrepareTrainingSet writes them.
 */
export class PhotoStore extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: PhotoStoreProps) {
    super(scope, id);
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // The S3 log delivery service writes with SSE-S3 only.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: !props.retainData,
    });

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'ingest-bucket/',
      // Object Created events go to the default bus, where the ingest rule filters them.
      eventBridgeEnabled: true,
      // A photo overwritten by mistake can be recovered; the ledger's etag tells which version was trained on.
      versioned: true,
      removalPolicy,
      autoDeleteObjects: !props.retainData,
    });
  }

  /** Read (and list) the photos: the default tenant's under `subjects/`, the tenants' under `tenants/`; nothing else. */
  grantReadSubjects(grantee: IGrantable): void {
    this.grantReadPrefix(grantee, SUBJECTS_PREFIX);
    this.grantReadPrefix(grantee, TENANTS_PREFIX);
  }

  /** Write training sets under `training/`, and read them back (the manifest is rewritten idempotently). */
  grantReadWriteTrainingSets(grantee: IGrantable): void {
    this.grantReadPrefix(grantee, TRAINING_PREFIX);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${TRAINING_PREFIX}*`)],
      }),
    );
  }

  /** Read (and list) the objects under one prefix of the bucket, e.g. `adapters/`; nothing else. */
  grantReadPrefix(grantee: IGrantable, prefix: string): void {
    const principal = grantee.grantPrincipal;
    // GetObject also authorizes HeadObject; the photo store port needs nothing more to read.
    principal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    // ListBucket, limited to the prefix: the store lists a folder, and without it S3 answers 403 instead of 404
    // for a missing key, which the store could not tell from a real permission error.
    principal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
    this.acknowledgePrefixWildcard(grantee, prefix);
  }

  /** Put (create or overwrite) objects under one prefix of the bucket; no read, no delete. */
  grantWritePrefix(grantee: IGrantable, prefix: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        // AbortMultipartUpload: large objects (model packages) are uploaded in parts.
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [this.bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    this.acknowledgePrefixWildcard(grantee, prefix);
  }

  /**
   * Object ARNs under a prefix end in `*` (a key is any string): cdk-nag's IAM5 flags that. It is the narrowest
   * resource S3 offers for "the objects in this folder", so the finding is acknowledged on the grantee's policy.
   */
  private acknowledgePrefixWildcard(grantee: IGrantable, prefix: string): void {
    const policy = Construct.isConstruct(grantee.grantPrincipal)
      ? grantee.grantPrincipal.node.tryFindChild('DefaultPolicy')
      : undefined;
    if (!policy) return;
    const bucketLogicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${prefix}*]`,
      reason: `Objects under ${prefix} of the ingest bucket (one folder per subject): the narrowest S3 resource for a folder.`,
    });
  }
}
