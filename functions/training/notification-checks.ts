import { createHash } from 'node:crypto';
import { ASYNC_OUTPUT_PREFIX, adapterKey } from '../platform/bucket-layout.js';
import { ObjectNotFoundError } from '../platform/errors.js';
import type { ObjectStore } from '../platform/object-store.js';
import { keyInBucket } from '../platform/s3-uri.js';
import type { TrainingPlanRow } from './callback-tokens.js';
import { TrainingResponse } from './training-request.js';

/**
 * What a notification must agree with before it moves a workflow (issue 11, callbacks that cannot be forged): the
 * training role can publish to both topics and write adapters, so the body alone proves nothing.
 */
export interface NotificationProvenance {
  /** The endpoint's SuccessTopic: only it may report `Completed`. */
  successTopicArn: string;
  /** The endpoint's ErrorTopic: only it may report `Failed`. */
  errorTopicArn: string;
  bucket: string;
  /** Reads the response at outputLocation and the adapter it names (for its digest). */
  store: ObjectStore;
}

/** Why the topic cannot have sent this status, or undefined when it can. */
export function topicProblem(
  status: 'Completed' | 'Failed',
  topicArn: string | undefined,
  provenance: NotificationProvenance,
): string | undefined {
  const expected = status === 'Completed' ? provenance.successTopicArn : provenance.errorTopicArn;
  if (topicArn === expected) return undefined;
  return `a ${status} notification must come from the ${status === 'Completed' ? 'success' : 'error'} topic, not from ${topicArn ?? 'an unnamed topic'}`;
}

/**
 * Checks a success against the plan in the token row: the output is under the endpoint's output prefix, the
 * response is for the planned subject and version, and names the adapter key planned for them. Returns the
 * adapter's SHA-256 (DeployModel checks it before packaging), or the problem.
 */
export async function checkSuccess(
  outputLocation: string,
  plan: TrainingPlanRow,
  provenance: NotificationProvenance,
): Promise<{ problem: string } | { adapterSha256: string }> {
  let outputKey: string;
  try {
    outputKey = keyInBucket(outputLocation, provenance.bucket);
  } catch {
    return { problem: `the output location is not in the pipeline's bucket ${provenance.bucket}` };
  }
  if (!outputKey.startsWith(ASYNC_OUTPUT_PREFIX)) {
    return {
      problem: `the output location is not under ${ASYNC_OUTPUT_PREFIX}, where the endpoint writes results`,
    };
  }
  if (!plan.tenantId || !plan.subjectId || !plan.modelVersion) {
    return {
      problem: 'the token row records no plan (tenant, subject, version) to check the result against',
    };
  }
  const ref = { tenantId: plan.tenantId, subjectId: plan.subjectId };
  let response: TrainingResponse;
  try {
    const parsed = TrainingResponse.safeParse(
      JSON.parse(new TextDecoder().decode(await provenance.store.get(outputKey))),
    );
    if (!parsed.success)
      return { problem: 'the response at the output location does not follow the contract' };
    response = parsed.data;
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return { problem: 'no response at the output location' };
    if (error instanceof SyntaxError) return { problem: 'the response at the output location is not JSON' };
    throw error;
  }
  if (response.subjectId !== plan.subjectId || response.modelVersion !== plan.modelVersion) {
    return { problem: 'the response is for another subject or version than the one planned' };
  }
  const planned = adapterKey(ref, plan.modelVersion);
  let named: string;
  try {
    named = keyInBucket(response.adapterPackageUri, provenance.bucket);
  } catch {
    return { problem: "the response names an adapter outside the pipeline's bucket" };
  }
  // No keys in the problem: it is logged, and logs never name an object (issue 11).
  if (named !== planned) return { problem: 'the response names an adapter that is not the planned one' };
  try {
    return { adapterSha256: sha256(await provenance.store.get(planned)) };
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return { problem: 'no adapter at the planned key' };
    throw error;
  }
}

export function sha256(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}
