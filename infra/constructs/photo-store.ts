import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  type LifecycleRule,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  ADAPTERS_PREFIX,
  ASYNC_INFERENCE_PREFIX,
  AVATARS_PREFIX,
  QUARANTINE_PREFIX,
  SUBJECTS_PREFIX,
  TENANTS_PREFIX,
  TRAINING_PREFIX,
} from '../../functions/platform/bucket-layout.js';
import type { PipelineConfig } from '../config.js';
import type { Keys } from './keys.js';

/** The retention settings of the config that the bucket's lifecycle rules apply. */
export type RetentionSettings = Pick<
  PipelineConfig,
  | 'photoRetentionDays'
  | 'quarantineRetentionDays'
  | 'avatarRetentionDays'
  | 'trainingOutputRetentionDays'
  | 'noncurrentVersionRetentionDays'
  | 'accessLogRetentionDays'
>;

/** Incomplete multipart uploads (parts of an interrupted upload, billed and invisible) are aborted after a day. */
export const ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS = 1;

export interface PhotoStoreProps {
  /**
   * Keep both buckets when the stack is deleted; `false` (dev stacks) destroys and empties them (context
   * `retainData`).
   */
  readonly retainData: boolean;
  /** How long each prefix keeps its objects (the context's retention keys). */
  readonly retention: RetentionSettings;
  /** The pipeline's keys: the ingest bucket is encrypted with the data key (SSE-KMS, bucket keys). */
  readonly keys: Keys;
}

/**
 * The ingest bucket, which holds the photos people drop and the training sets made from them, and the bucket
 * that receives its server access logs. Grants are per prefix: a function that reads photos cannot read or
 * overwrite training sets, and only PrepareTrainingSet writes them.
 *
 * Nothing is kept forever by accident: lifecycle rules expire each prefix of `bucket-layout.ts` after its
 * retention (photos and crops 30 days, quarantine 7, avatars 90, the training endpoint's outputs 7), delete the
 * previous versions a day after an overwrite, a deletion or an expiry, and abort incomplete uploads. `models/` (the
 * served adapters) is not expired: a subject's model lives until the subject is erased.
 */
export class PhotoStore extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;
  private readonly keys: Keys;

  constructor(scope: Construct, id: string, props: PhotoStoreProps) {
    super(scope, id);
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.keys = props.keys;
    const { retention } = props;

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // S3 server access logging delivers only to a bucket encrypted with SSE-S3 (SSE-KMS is not supported there).
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: !props.retainData,
      // The logs name every object key (subject ids, file names) and who read it: kept for a while, not forever.
      lifecycleRules: [
        {
          id: 'ExpireAccessLogs',
          expiration: Duration.days(retention.accessLogRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS),
        },
      ],
    });

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.KMS,
      encryptionKey: props.keys.data,
      // One data key per bucket instead of one KMS call per object: cheaper, and the encryption context is the
      // bucket ARN (what the grants' conditions name).
      bucketKeyEnabled: true,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'ingest-bucket/',
      // Object Created events go to the default bus, where the ingest rule filters them.
      eventBridgeEnabled: true,
      // A photo overwritten by mistake can be recovered; the ledger's etag tells which version was trained on.
      versioned: true,
      lifecycleRules: lifecycleRules(retention),
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
    this.grantKey(grantee, 'write');
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
    this.grantKey(grantee, 'read');
    this.acknowledgePrefixWildcard(grantee, prefix);
  }

  /**
   * Read objects under a prefix by key, without listing it: what a presigned GET link needs from its signer (the
   * link is authorized with the signer's permissions, S3 and KMS).
   */
  grantGetObjects(grantee: IGrantable, prefix: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    this.grantKey(grantee, 'read');
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
    this.grantKey(grantee, 'write');
    this.acknowledgePrefixWildcard(grantee, prefix);
  }

  /**
   * List every version and delete marker under one prefix (ListObjectVersions is authorized by
   * s3:ListBucketVersions, limited to the prefix); no read of any object.
   */
  grantListVersions(grantee: IGrantable, prefix: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:ListBucketVersions'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
  }

  /**
   * Delete objects under one prefix for good: every version (DeleteObjectVersion) and the current one
   * (DeleteObject); DeleteObjects is authorized per key by these. Listing the versions comes with it. No read.
   */
  grantEraseVersions(grantee: IGrantable, prefix: string): void {
    this.grantListVersions(grantee, prefix);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [this.bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    this.acknowledgePrefixWildcard(grantee, prefix);
  }

  /** The data key, through S3 and for this bucket only: reading needs Decrypt, writing also GenerateDataKey. */
  private grantKey(grantee: IGrantable, access: 'read' | 'write'): void {
    this.keys.grantDataKey(grantee, 's3', access, { s3BucketArn: this.bucket.bucketArn });
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

/**
 * One rule per prefix that expires (current versions, so many days after they were written), each also deleting
 * noncurrent versions and aborting incomplete uploads; and one rule for the whole bucket that does the same for
 * every other prefix (`models/`) and removes the delete markers left once a key has no version any more.
 */
export function lifecycleRules(retention: RetentionSettings): LifecycleRule[] {
  const noncurrent = Duration.days(retention.noncurrentVersionRetentionDays);
  const abort = Duration.days(ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS);
  const expiring: [string, string, number][] = [
    ['ExpireSubjectPhotos', SUBJECTS_PREFIX, retention.photoRetentionDays],
    ['ExpireTenantPhotos', TENANTS_PREFIX, retention.photoRetentionDays],
    ['ExpireTrainingSets', TRAINING_PREFIX, retention.photoRetentionDays],
    ['ExpireQuarantine', QUARANTINE_PREFIX, retention.quarantineRetentionDays],
    ['ExpireAvatars', AVATARS_PREFIX, retention.avatarRetentionDays],
    ['ExpireTrainingOutputs', ASYNC_INFERENCE_PREFIX, retention.trainingOutputRetentionDays],
    ['ExpireAdapters', ADAPTERS_PREFIX, retention.trainingOutputRetentionDays],
  ];
  return [
    ...expiring.map(
      ([id, prefix, days]): LifecycleRule => ({
        id,
        prefix,
        expiration: Duration.days(days),
        noncurrentVersionExpiration: noncurrent,
        abortIncompleteMultipartUploadAfter: abort,
      }),
    ),
    {
      id: 'DeleteNoncurrentVersions',
      noncurrentVersionExpiration: noncurrent,
      abortIncompleteMultipartUploadAfter: abort,
      expiredObjectDeleteMarker: true,
    },
  ];
}
