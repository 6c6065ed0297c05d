/** Printed at the start of every local run, so nobody mistakes a local result for a screened or trained one. */
export const STAND_IN_NOTICE = [
  'LOCAL MODE with stand-ins (no AWS account is used):',
  '  - face analysis: local stand-in, NOT Amazon Rekognition DetectFaces (it assumes one frontal face at the',
  '    most salient point; sharpness and brightness are measured for real)',
  '  - content moderation: local stand-in, NOT Amazon Rekognition DetectModerationLabels (nothing is screened)',
  '  - training: local stand-in for the SageMaker async endpoint, NOT DreamBooth: it checks the request and the',
  '    dataset and writes an adapter package with the real layout but no weights (--training-endpoint URL',
  '    sends the training to a SageMaker-compatible container on this machine instead)',
  '  - serving: local stand-in for the GPU multi-model endpoint: loads and checks the package, answers a',
  "    labelled placeholder avatar drawn from the subject's crops and the prompt (not Stable Diffusion)",
  '  - prompt screening: the deny-list, normalization and length limit apply for real; language detection is a',
  '    stop-word stand-in and toxicity is NOT classified (no Amazon Comprehend)',
  '  - image screening: local stand-in, NOT Rekognition: blocks only placeholders marked unsafe (prompts',
  '    containing "[stand-in:unsafe]"), so quarantine and regeneration can be seen working',
  '  - bucket: a folder; event bus: a JSON-lines file; DynamoDB: dynalite, on disk in DATA/state; SNS: in process',
  '  - workflow: the synthesized training state machine, run by aws-local-stepfunctions',
  'Events say the same: checks.* / trainedBy / servedBy = "local-stand-in".',
].join('\n');
