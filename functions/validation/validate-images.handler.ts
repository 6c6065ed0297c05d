import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { requiredEnv } from '../platform/environment.js';
import { withObservability } from '../platform/observability.js';
import { S3ObjectStore } from '../platform/s3-object-store.js';
import { RekognitionContentModerator } from './rekognition-content-moderator.js';
import { RekognitionFaceAnalyzer } from './rekognition-face-analyzer.js';
import { type ValidateImagesDependencies, validateImageSet } from './validate-image-set.js';
import { parseValidateImagesInput } from './validate-images-input.js';
import { readValidationPolicyFromEnvironment } from './validation-policy.js';

// Built once per cold start: clients keep their connections warm across invocations.
const rekognition = new RekognitionClient({});
const deps: ValidateImagesDependencies = {
  store: new S3ObjectStore(new S3Client({}), requiredEnv('PHOTO_BUCKET')),
  faceAnalyzer: new RekognitionFaceAnalyzer(rekognition),
  moderator: new RekognitionContentModerator(rekognition),
  policy: readValidationPolicyFromEnvironment(),
};

/** ValidateImages task: the state machine's Payload in, `ValidateImagesOutput` out. */
export const handler = withObservability(async (event: unknown) =>
  validateImageSet(parseValidateImagesInput(event), deps),
);
