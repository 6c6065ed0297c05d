/**
 * The first lines of every local run, so nobody mistakes a local result for a screened or trained one; --verbose
 * prints the full list (`STAND_IN_NOTICE`).
 */
export const SHORT_STAND_IN_NOTICE = [
  'LOCAL MODE, no AWS account. Face analysis is a local stand-in, NOT Amazon Rekognition DetectFaces',
  '(it assumes one frontal face); content moderation and image screening screen nothing; training is',
  'NOT DreamBooth (no weights) and avatars are labelled placeholders, NOT Stable Diffusion; prompt',
  'toxicity is not classified. Events say so ("local-stand-in"); --verbose lists every stand-in.',
].join('\n');
