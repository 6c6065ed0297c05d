import { PipelineError } from '../platform/errors.js';
import { MalformedTaskInputError } from '../platform/task.js';

/** Errors of the operations capability (counting outcomes, the daily summary). */
export abstract class OperationsError extends PipelineError {}

/** What reached CountOutcome or SendDailySummary is not an EventBridge event or a summary request. */
export class MalformedOperationsInputError extends MalformedTaskInputError {
  override readonly name = 'MalformedOperationsInputError';
}
