import type { SubjectRecord } from '../ingest/subject-ledger.js';
import type { ExecutionView } from './api-ports.js';
import type { PhotoVerdictView, SubjectStatus } from './schemas.js';

/** Everything the status of a subject is read from: the ledger, the training queue, the registry, the execution. */
export interface SubjectFacts {
  /** The subject's photo names as the API was told them (or as they arrived, for a bucket drop). */
  photoNames: readonly string[];
  /** Paths (inside the subject folder) of the photos the ledger recorded. */
  arrived: ReadonlySet<string>;
  ledger?: Pick<SubjectRecord, 'status' | 'executionName' | 'imageSetId'>;
  /** The current execution waits in the training queue. */
  queued: boolean;
  /** The model of record, if one is registered. */
  model?: { modelVersion: string };
  /** The current training execution, once it has ended or while it runs. */
  execution?: ExecutionView;
  /** ValidateImages' result while the execution still runs (from its history). */
  validation?: unknown;
}

export interface SubjectState {
  status: SubjectStatus;
  reason: string | null;
  photos: PhotoVerdictView[];
}

interface Verdicts {
  photosUsed?: { path: string }[];
  photosExcluded?: { path: string; reason: string; advice: string }[];
}

/**
 * The status of a subject, one of receiving, validating, rejected, queued, training, ready, failed:
 *
 *   no ledger row, or open          receiving   (photos are still arriving)
 *   sealed, execution running       validating, or queued while it waits for a training slot
 *   training, or done while the      training    (the slot is freed before deploy and register)
 *   execution still runs
 *   execution ended                 ready (a model is registered), rejected (validation refused the set), failed
 *
 * The per-photo verdicts come from the validation result: the ended execution's output, or ValidateImages' own
 * output in the history of a running one; before validation a photo is awaiting-upload or received.
 */
export function subjectState(facts: SubjectFacts): SubjectState {
  const output = (facts.execution?.status === 'SUCCEEDED' ? facts.execution.output : undefined) as
    | {
        validation?: { outcome?: string; accepted?: Verdicts; rejected?: Verdicts & { reason?: string } };
        failure?: { Cause?: string };
      }
    | undefined;
  const validation =
    output?.validation ??
    (facts.validation as
      | { outcome?: string; accepted?: Verdicts; rejected?: Verdicts & { reason?: string } }
      | undefined);
  const verdicts = validation?.accepted ?? validation?.rejected;
  const photos = facts.photoNames.map((name): PhotoVerdictView => {
    const excluded = verdicts?.photosExcluded?.find((photo) => photo.path === name);
    if (excluded) return { name, verdict: 'excluded', reason: excluded.reason, advice: excluded.advice };
    if (verdicts?.photosUsed?.some((photo) => photo.path === name))
      return { name, verdict: 'accepted', reason: null, advice: null };
    return {
      name,
      verdict: facts.arrived.has(name) ? 'received' : 'awaiting-upload',
      reason: null,
      advice: null,
    };
  });
  const state = (status: SubjectStatus, reason: string | null = null): SubjectState => ({
    status,
    reason,
    photos,
  });
  const ledger = facts.ledger;
  if (!ledger || ledger.status === 'open') return state('receiving');
  if (ledger.status === 'training') return state('training');
  const running = facts.execution?.status === 'RUNNING';
  if (ledger.status === 'sealed' && (running || !facts.execution))
    return state(facts.queued ? 'queued' : 'validating');
  // The slot is released before the model is deployed and registered: still training until the execution ends.
  if (running) return state('training');
  if (facts.model && facts.execution?.status === 'SUCCEEDED' && validation?.outcome !== 'rejected')
    return state('ready');
  if (validation?.outcome === 'rejected') return state('rejected', validation.rejected?.reason ?? null);
  if (facts.model && !facts.execution) return state('ready');
  return state('failed', facts.execution ? `The training workflow ended ${facts.execution.status}` : null);
}
