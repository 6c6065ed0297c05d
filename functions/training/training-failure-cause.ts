import * as z from 'zod';

/**
 * The Cause a failed training carries from the callback (SendTaskFailure) to ExplainTrainingFailure. SageMaker's
 * ErrorTopic notification says only "Received server error (500) from model"; the container's own words (what
 * failed, and whether retrying can help) are in the error body it answered, which SageMaker stores at the
 * invocation's failure location (`async-inference/failures/`, the FailureLocation InvokeEndpointAsync returns).
 * When that location is known, the Cause is this document as JSON, so ExplainTrainingFailure can read the body;
 * otherwise it is SageMaker's failureReason as plain text, as before.
 */
export const TrainingFailureCause = z.object({
  failureReason: z.string(),
  failureLocation: z.string().min(1),
  inferenceId: z.string().optional(),
});
export type TrainingFailureCause = z.infer<typeof TrainingFailureCause>;

/** SendTaskFailure accepts a cause of up to 32,768 characters; SageMaker's reason is far shorter. */
const MAX_CAUSE_CHARS = 32_768;

export function trainingFailureCause(failure: {
  failureReason: string;
  failureLocation?: string | undefined;
  inferenceId?: string | undefined;
}): string {
  if (!failure.failureLocation) return failure.failureReason.slice(0, MAX_CAUSE_CHARS);
  const document: TrainingFailureCause = {
    failureReason: failure.failureReason.slice(0, 4096),
    failureLocation: failure.failureLocation,
    ...(failure.inferenceId ? { inferenceId: failure.inferenceId } : {}),
  };
  return JSON.stringify(document);
}

/** The document, if the cause is one; undefined for a plain-text cause. */
export function parseTrainingFailureCause(cause: string | undefined): TrainingFailureCause | undefined {
  if (!cause?.startsWith('{')) return undefined;
  try {
    const parsed = TrainingFailureCause.safeParse(JSON.parse(cause));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The error body of the training container (sagemaker/README.md): every error answer is
 * `{"error": "...", "errorType": "...", "retryable": true|false}`. Extra fields are ignored.
 */
export const ContainerErrorBody = z.object({
  error: z.string().min(1),
  errorType: z.string().min(1).optional(),
  retryable: z.boolean(),
});
export type ContainerErrorBody = z.infer<typeof ContainerErrorBody>;
