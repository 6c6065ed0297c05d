import type { SlotDecision, SlotRequest } from '../../state-machines/training/contract.js';
import type { SubjectLedger } from '../ingest/subject-ledger.js';
import type { TrainingQueue } from './training-queue.js';

export interface ClaimDeps {
  queue: TrainingQueue;
  ledger: SubjectLedger;
  /** Trainings that may run at once. */
  limit: number;
  now: () => number;
}

/**
 * AcquireTrainingSlot: the moment an image set commits to training. Until it takes a slot, a newer set of the same
 * subject (new objects arrived after it was sealed) supersedes it: it leaves the queue and its execution ends,
 * saying so. Once it holds a slot and has claimed the subject, later objects wait until its training ends.
 */
export async function acquireSlotForImageSet(request: SlotRequest, deps: ClaimDeps): Promise<SlotDecision> {
  const subject = await deps.ledger.getSubject(request);
  if (!subject || subject.executionName !== request.executionName) {
    await deps.queue.release(request);
    return { acquired: false, superseded: true };
  }
  const decision = await deps.queue.acquire(request, deps.limit);
  if (!decision.acquired || subject.status === 'training') return decision;
  if (await deps.ledger.claimForTraining(request, request.executionName)) return decision;
  // Superseded between our read and the slot: give the slot to the next in line.
  await deps.queue.release(request);
  return { acquired: false, superseded: true };
}

/**
 * ReleaseTrainingSlot (and its twin on the failure path): frees the slot, and ends the subject's training: if
 * objects arrived during it, the subject reopens as the next image set (the sweep starts it). Idempotent.
 */
export async function releaseSlotForImageSet(
  request: SlotRequest,
  deps: Omit<ClaimDeps, 'limit'>,
): Promise<{ released: boolean }> {
  const released = await deps.queue.release(request);
  await deps.ledger.finishTraining(request, request.executionName, deps.now());
  return released;
}
