import { PipelineError } from '../platform/errors.js';

/** Errors of ingest: recording dropped objects in the ledger and sealing subjects. */
export abstract class IngestError extends PipelineError {}

/** The event is not an S3 `Object Created` event we can read: retrying the same event cannot help. */
export class MalformedObjectEventError extends IngestError {
  override readonly name = 'MalformedObjectEventError';
  readonly retryable = false;
}

/** Another delivery changed the subject while this one tried to: a later attempt re-reads and succeeds. */
export class LedgerContentionError extends IngestError {
  override readonly name = 'LedgerContentionError';
  readonly retryable = true;
}
