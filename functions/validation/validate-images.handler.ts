import {
  rekognitionContentModerator,
  rekognitionFaceAnalyzer,
  rekognitionFaceComparer,
  s3ObjectStore,
} from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { validateImagesTask } from './validate-images.task.js';

export const handler = lambdaHandler(validateImagesTask, {
  objectStore: s3ObjectStore,
  faceAnalyzer: rekognitionFaceAnalyzer,
  faceComparer: rekognitionFaceComparer,
  contentModerator: rekognitionContentModerator,
});
