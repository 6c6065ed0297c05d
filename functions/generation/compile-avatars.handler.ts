import { S3Client } from '@aws-sdk/client-s3';
import { requiredEnv } from '../platform/environment.js';
import { tracer, withObservability } from '../platform/observability.js';
import { compileAvatars, readCompilePolicyFromEnvironment } from './compile-avatars.js';
import { parseCompileAvatarsInput } from './generation-inputs.js';
import { S3PresignedImageLinks } from './image-links.js';

const deps = {
  links: new S3PresignedImageLinks(tracer.captureAWSv3Client(new S3Client({})), requiredEnv('PHOTO_BUCKET')),
  policy: readCompilePolicyFromEnvironment(),
  generatedBy: 'amazon-sagemaker' as const,
  screenedBy: 'amazon-rekognition' as const,
};

/** CompileAvatars task: Avatars Ready with presigned links, or Generation Failed with the reason. */
export const handler = withObservability(async (event: unknown) =>
  compileAvatars(parseCompileAvatarsInput(event), deps),
);
