import { Aws, Validations } from 'aws-cdk-lib';
import { Effect, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * Where both containers install the base pipeline at start (env `BASE_MODEL_DIR`; the default of
 * sagemaker/training/src/avatar_training/base_model.py and sagemaker/serving/model_template/model.py).
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
