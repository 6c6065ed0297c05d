import { readTrainingSetPolicyFromEnvironment } from '../../../functions/training-set/training-set-policy.js';
import { validateImagesTask } from '../../../functions/validation/validate-images.task.js';

const parseValidateImagesInput = validateImagesTask.parse;

import {
  DEFAULT_VALIDATION_POLICY,
  readValidationPolicyFromEnvironment,
} from '../../../functions/validation/validation-policy.js';

describe('policy readers', () => {
  it('reads the validation policy from the variables CDK sets, defaulting the rest', () => {
    // Act
    const policy = readValidationPolicyFromEnvironment({
      MIN_PHOTOS: '8',
      MAX_PHOTOS: '12',
      MIN_SIDE_PX: '640',
      MAX_FILE_BYTES: '1000000',
      MAX_PIXELS: '24000000',
    });

    // Assess
    expect(policy).toEqual({
      ...DEFAULT_VALIDATION_POLICY,
      minPhotos: 8,
      maxPhotos: 12,
      minSidePx: 640,
      maxFileBytes: 1_000_000,
      maxPixels: 24_000_000,
    });
  });

  it('refuses a contradictory configuration instead of accepting everything', () => {
    expect(() => readValidationPolicyFromEnvironment({ MIN_PHOTOS: '20', MAX_PHOTOS: '15' })).toThrow(
      expect.objectContaining({
        name: 'MissingConfigurationError',
        message: expect.stringContaining('minPhotos'),
      }),
    );
    expect(() => readValidationPolicyFromEnvironment({ MAX_PIXELS: 'lots' })).toThrow(/MAX_PIXELS/);
  });

  it('reads the training set policy, adding the trailing slash to the prefix', () => {
    expect(
      readTrainingSetPolicyFromEnvironment({ TRAINING_RESOLUTION: '768', TRAINING_PREFIX: 'sets' }),
    ).toEqual({
      resolution: 768,
      trainingPrefix: 'sets/',
      maxPixels: 50_000_000,
    });
    expect(readTrainingSetPolicyFromEnvironment({})).toEqual({
      resolution: 512,
      trainingPrefix: 'training/',
      maxPixels: 50_000_000,
    });
  });
});

describe('parseValidateImagesInput', () => {
  it('accepts the task payload and fills the settings defaults', () => {
    // Act
    const input = parseValidateImagesInput({
      subjectId: 'ana',
      imageSetId: 'is-0123456789abcdef',
      photos: [{ key: 'subjects/ana/IMG_0001.jpg', size: 10, etag: 'e' }],
      settings: {},
    });

    // Assess
    expect(input.settings).toEqual({ classWord: 'person', token: 'zwx' });
  });

  it('refuses a malformed payload with a typed error naming the field', () => {
    expect(() => parseValidateImagesInput({ subjectId: 'ana', photos: 'none', settings: {} })).toThrow(
      expect.objectContaining({
        name: 'MalformedValidateImagesInputError',
        message: expect.stringMatching(/imageSetId[\s\S]*photos|photos[\s\S]*imageSetId/),
      }),
    );
  });
});
