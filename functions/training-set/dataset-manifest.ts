import type { SubjectSettings } from '../../events/subject-settings.js';

/** What the trainer reads: the images and the prompts DreamBooth trains them with. */
export interface DatasetManifest {
  schemaVersion: 1;
  subjectId: string;
  imageSetId: string;
  resolution: number;
  /** Names the subject with its rare token: "a photo of zwx woman". */
  instancePrompt: string;
  /** For prior preservation: "a photo of woman". */
  classPrompt: string;
  images: Array<{ key: string; sourceKey: string }>;
}

export function datasetPrompts(settings: Pick<SubjectSettings, 'token' | 'classWord'>): {
  instancePrompt: string;
  classPrompt: string;
} {
  return {
    instancePrompt: `a photo of ${settings.token} ${settings.classWord}`,
    classPrompt: `a photo of ${settings.classWord}`,
  };
}
