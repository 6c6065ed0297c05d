import { rekognitionImageScreen, s3ObjectStore, sageMakerModelEndpoint } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { generateScreenedImageTask } from './generate-screened-image.task.js';

export const handler = lambdaHandler(generateScreenedImageTask, {
  modelEndpoint: sageMakerModelEndpoint,
  imageScreen: rekognitionImageScreen,
  objectStore: s3ObjectStore,
});
