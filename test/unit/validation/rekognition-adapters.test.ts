import {
  DetectFacesCommand,
  DetectModerationLabelsCommand,
  InternalServerError,
  InvalidParameterException,
  ProvisionedThroughputExceededException,
  RekognitionClient,
  ThrottlingException,
} from '@aws-sdk/client-rekognition';
import { mockClient } from 'aws-sdk-client-mock';
import type { AnalysisImage } from '../../../functions/validation/analysis-image.js';
import { RekognitionContentModerator } from '../../../functions/validation/rekognition-content-moderator.js';
import { RekognitionFaceAnalyzer } from '../../../functions/validation/rekognition-face-analyzer.js';

const rekognitionMock = mockClient(RekognitionClient);
const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
/** The adapters send whatever `jpeg()` gives: the pixels themselves never leave the function. */
const image: AnalysisImage = {
  pixels: { data: new Uint8Array(3), width: 1, height: 1, channels: 3 },
  sharpness: 2,
  meanBrightness: 128,
  jpeg: async () => jpeg,
};
const photo = { key: 'subjects/ana/IMG_0001.jpg' };
const metadata = { $metadata: {} };

const transientErrors = [
  ['ThrottlingException', () => new ThrottlingException({ message: 'slow down', ...metadata })],
  [
    'ProvisionedThroughputExceededException',
    () => new ProvisionedThroughputExceededException({ message: 'too many', ...metadata }),
  ],
  ['InternalServerError', () => new InternalServerError({ message: 'oops', ...metadata })],
] as const;

describe('RekognitionFaceAnalyzer', () => {
  beforeEach(() => rekognitionMock.reset());

  it('sends the JPEG bytes with all attributes and maps the faces', async () => {
    // Prepare
    rekognitionMock.on(DetectFacesCommand).resolves({
      FaceDetails: [
        {
          BoundingBox: { Left: 0.31, Top: 0.2, Width: 0.28, Height: 0.4 },
          Confidence: 99.9,
          Pose: { Yaw: 12.5, Pitch: -3, Roll: 1 },
          Quality: { Sharpness: 78, Brightness: 64 },
        },
      ],
    });

    // Act
    const faces = await new RekognitionFaceAnalyzer(new RekognitionClient({})).detectFaces(image, photo);

    // Assess
    expect(rekognitionMock).toHaveReceivedCommandWith(DetectFacesCommand, {
      Image: { Bytes: jpeg },
      Attributes: ['ALL'],
    });
    expect(faces).toEqual([
      {
        box: { left: 0.31, top: 0.2, width: 0.28, height: 0.4 },
        confidence: 99.9,
        pose: { yaw: 12.5, pitch: -3, roll: 1 },
        quality: { sharpness: 78, brightness: 64 },
      },
    ]);
  });

  it.each(transientErrors)('turns %s into FaceAnalysisUnavailableError', async (_name, error) => {
    // Prepare
    rekognitionMock.on(DetectFacesCommand).rejects(error());

    // Act
    const outcome = new RekognitionFaceAnalyzer(new RekognitionClient({ maxAttempts: 1 })).detectFaces(
      image,
      photo,
    );

    // Assess
    await expect(outcome).rejects.toMatchObject({
      name: 'FaceAnalysisUnavailableError',
      message: expect.stringContaining(photo.key),
    });
  });

  it('lets a non-transient error through unchanged', async () => {
    // Prepare
    rekognitionMock
      .on(DetectFacesCommand)
      .rejects(new InvalidParameterException({ message: 'bad', ...metadata }));

    // Act
    const outcome = new RekognitionFaceAnalyzer(new RekognitionClient({})).detectFaces(image, photo);

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('RekognitionContentModerator', () => {
  beforeEach(() => rekognitionMock.reset());

  it('sends the JPEG bytes with MinConfidence and maps labels to their top-level category', async () => {
    // Prepare
    rekognitionMock.on(DetectModerationLabelsCommand).resolves({
      ModerationLabels: [
        { Name: 'Explicit', ParentName: '', Confidence: 96, TaxonomyLevel: 1 },
        { Name: 'Explicit Nudity', ParentName: 'Explicit', Confidence: 95, TaxonomyLevel: 2 },
        { Name: 'Exposed Male Genitalia', ParentName: 'Explicit Nudity', Confidence: 94, TaxonomyLevel: 3 },
      ],
    });

    // Act
    const labels = await new RekognitionContentModerator(new RekognitionClient({}), 60).detectUnsafeContent(
      image,
      photo,
    );

    // Assess
    expect(rekognitionMock).toHaveReceivedCommandWith(DetectModerationLabelsCommand, {
      Image: { Bytes: jpeg },
      MinConfidence: 60,
    });
    expect(labels).toEqual([
      { name: 'Explicit', topLevelCategory: 'Explicit', confidence: 96 },
      { name: 'Explicit Nudity', topLevelCategory: 'Explicit', confidence: 95 },
      { name: 'Exposed Male Genitalia', topLevelCategory: 'Explicit', confidence: 94 },
    ]);
  });

  it.each(transientErrors)('turns %s into FaceAnalysisUnavailableError', async (_name, error) => {
    // Prepare
    rekognitionMock.on(DetectModerationLabelsCommand).rejects(error());

    // Act
    const outcome = new RekognitionContentModerator(
      new RekognitionClient({ maxAttempts: 1 }),
    ).detectUnsafeContent(image, photo);

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'FaceAnalysisUnavailableError' });
  });
});
