import { Annotations, Aws, Validations } from 'aws-cdk-lib';
import { Effect, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config.js';
import type { IsolatedNetwork } from './isolated-network.js';

/** Warnings synth gives about where the containers get the base model from. */
export const BASE_MODEL_WARNINGS = {
  /** An isolated network and a Hugging Face id: the containers cannot download it. */
  unreachable: 'avatar-pipeline:base-model-unreachable',
  /** A Hugging Face id without `baseModelRevision`: whatever the Hub serves at each container start. */
  unpinned: 'avatar-pipeline:base-model-unpinned',
} as const;

/** The container environment that names the base model, the same for the training and the serving model. */
export function baseModelEnvironment(
  config: Pick<PipelineConfig, 'baseModel' | 'baseModelRevision'>,
): Record<string, string> {
  return {
    BASE_MODEL: config.baseModel,
    BASE_MODEL_DIR,
    // Read by sagemaker/training/src/avatar_training/base_model.py for a Hugging Face id (snapshot_download).
    ...(config.baseModelRevision && !s3BaseModel(config.baseModel)
      ? { BASE_MODEL_REVISION: config.baseModelRevision }
      : {}),
  };
}

/**
 * Warns at synth when the base model is a Hugging Face id: in the isolated network the containers cannot reach the
 * Hub (stage a pinned copy with `npm run stage-base-model` and pass its `s3://` prefix as `baseModel`); outside it,
 * without `baseModelRevision`, every container start downloads whatever the Hub serves then. With an `s3://` base
 * model in the isolated network, the S3 gateway admits that bucket (that prefix, read only).
 */
export function checkBaseModelSource(
  scope: Construct,
  config: Pick<PipelineConfig, 'baseModel' | 'baseModelRevision' | 'isolatedNetwork'>,
  network: IsolatedNetwork | undefined,
): void {
  const location = s3BaseModel(config.baseModel);
  if (location) {
    network?.allowBucket(`arn:${Aws.PARTITION}:s3:::${location.bucket}`, {
      write: false,
      objects: `${location.prefix}*`,
    });
    return;
  }
  if (config.isolatedNetwork) {
    Annotations.of(scope).addWarningV2(
      BASE_MODEL_WARNINGS.unreachable,
      `baseModel=${config.baseModel} is a Hugging Face id, but the endpoints run in an isolated network (isolatedNetwork=true) and cannot download it: the containers would fail to start. Stage a pinned copy once (npm run stage-base-model -- --revision <commit> --to s3://<bucket>/<prefix>/) and deploy with -c baseModel=s3://<bucket>/<prefix>/.`,
    );
  } else if (!config.baseModelRevision) {
    Annotations.of(scope).addWarningV2(
      BASE_MODEL_WARNINGS.unpinned,
      `baseModel=${config.baseModel} is downloaded from the Hugging Face Hub at every container start without a pinned revision: set -c baseModelRevision=<commit>, or stage a copy in S3 (npm run stage-base-model).`,
    );
  }
}

/**
 * Where both containers install the base pipeline at start (env `BASE_MODEL_DIR`; the default of
 * sagemaker/training/src/avatar_training/base_model.py and sagemaker/serving/backends/avatar_lora/model.py).
 */
export const BASE_MODEL_DIR = '/opt/avatar/base-model';

/** Bucket and key prefix of an `s3://bucket/prefix` base model, or undefined for a Hugging Face id. */
export function s3BaseModel(baseModel: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(baseModel);
  if (!match) return undefined;
  return { bucket: match[1] as string, prefix: match[2] as string };
}

/**
 * When the base model is a saved pipeline in S3, the role may read (and list) that prefix and nothing else of
 * that bucket. A Hugging Face id needs no grant: the container downloads it from the Hub.
 */
export function grantReadBaseModel(role: IRole, baseModel: string): void {
  const location = s3BaseModel(baseModel);
  if (!location) return;
  const { bucket, prefix } = location;
  const objects = `arn:${Aws.PARTITION}:s3:::${bucket}/${prefix}*`;
  role.addToPrincipalPolicy(
    new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [objects] }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['s3:ListBucket'],
      resources: [`arn:${Aws.PARTITION}:s3:::${bucket}`],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    }),
  );
  const policy = Construct.isConstruct(role) ? role.node.tryFindChild('DefaultPolicy') : undefined;
  if (policy) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket}/${prefix}*]`,
      reason: `The files of the base model pipeline saved under s3://${bucket}/${prefix} (context baseModel); nothing else of that bucket.`,
    });
  }
}
