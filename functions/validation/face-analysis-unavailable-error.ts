/**
 * The face or moderation service is throttled or failing. Not the photo's fault, so never an exclusion:
 * the training state machine retries the whole task on this error name.
 */
export class FaceAnalysisUnavailableError extends Error {
  override name = 'FaceAnalysisUnavailableError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
