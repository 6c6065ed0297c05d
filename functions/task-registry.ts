/**
 * Every task of the pipeline, by name. Infra deploys one function per entry (its handler, its environment,
 * its `avatar-pipeline:local-handler` metadata); the local runtime builds every entry with the local ports and
 * maps each Task state of the synthesized workflows to one of them. A Task state without an entry here, or an
 * entry whose name is not its key, fails the tests (test/integration/infra/task-registry.test.ts).
 */
import { deployModelTask } from './deployment/deploy-model.task.js';
import { registerModelTask } from './deployment/register-model.task.js';
import { warmUpModelTask } from './deployment/warm-up-model.task.js';
import { beginErasureTask } from './erasure/begin-erasure.task.js';
import { eraseSubjectDataTask } from './erasure/erase-subject-data.task.js';
import { stopSubjectExecutionsTask } from './erasure/stop-subject-executions.task.js';
import { verifyErasureTask } from './erasure/verify-erasure.task.js';
import { compileAvatarsTask } from './generation/compile-avatars.task.js';
import { generateScreenedImageTask } from './generation/generate-screened-image.task.js';
import { prepareGenerationTask } from './generation/prepare-generation.task.js';
import { screenPromptsTask } from './generation/screen-prompts.task.js';
import { recordPhotoTask } from './ingest/record-photo.task.js';
import { settleImageSetTask } from './ingest/settle-image-set.task.js';
import { startWaitingSubjectsTask } from './ingest/start-waiting-subjects.task.js';
import { countOutcomeTask } from './operations/count-outcome.task.js';
import { sendDailySummaryTask } from './operations/send-daily-summary.task.js';
import type { AnyTaskDescriptor } from './platform/task.js';
import { explainTrainingFailureTask } from './training/explain-training-failure.task.js';
import { planTrainingTask } from './training/plan-training.task.js';
import { startTrainingTask } from './training/start-training.task.js';
import { trainingCallbackTask } from './training/training-callback.task.js';
import { acquireTrainingSlotTask, releaseTrainingSlotTask } from './training/training-slot.tasks.js';
import { prepareTrainingSetTask } from './training-set/prepare-training-set.task.js';
import { validateImagesTask } from './validation/validate-images.task.js';
import { deliverWebhookTask } from './webhooks/deliver-webhook.task.js';
import { planWebhookDeliveriesTask } from './webhooks/plan-webhook-deliveries.task.js';

export const TASKS = {
  recordPhoto: recordPhotoTask,
  startWaitingSubjects: startWaitingSubjectsTask,
  settleImageSet: settleImageSetTask,
  validateImages: validateImagesTask,
  prepareTrainingSet: prepareTrainingSetTask,
  planTraining: planTrainingTask,
  acquireTrainingSlot: acquireTrainingSlotTask,
  releaseTrainingSlot: releaseTrainingSlotTask,
  startTraining: startTrainingTask,
  trainingCallback: trainingCallbackTask,
  explainTrainingFailure: explainTrainingFailureTask,
  deployModel: deployModelTask,
  warmUpModel: warmUpModelTask,
  registerModel: registerModelTask,
  prepareGeneration: prepareGenerationTask,
  screenPrompts: screenPromptsTask,
  generateScreenedImage: generateScreenedImageTask,
  compileAvatars: compileAvatarsTask,
  planWebhookDeliveries: planWebhookDeliveriesTask,
  deliverWebhook: deliverWebhookTask,
  beginErasure: beginErasureTask,
  stopSubjectExecutions: stopSubjectExecutionsTask,
  eraseSubjectData: eraseSubjectDataTask,
  verifyErasure: verifyErasureTask,
  countOutcome: countOutcomeTask,
  sendDailySummary: sendDailySummaryTask,
} as const;

/** Each entry's key is its descriptor's name: a mismatch makes this a type error. */
type KeyedByName<T> = { readonly [Key in keyof T]: AnyTaskDescriptor & { readonly name: Key } };
TASKS satisfies KeyedByName<typeof TASKS>;

/** The name of a task: its key in the registry, the local handler metadata of its function. */
export type TaskName = keyof typeof TASKS;
export type Tasks = typeof TASKS;

export type { AnyTaskDescriptor, InputOf, OutputOf, TaskRun } from './platform/task.js';
export { buildTask } from './platform/task.js';
export * from './ports.js';
