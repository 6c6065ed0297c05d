import { DEFAULT_TENANT_ID, type SubjectRef } from '../../events/identifiers.js';
import { EVENT_SOURCE } from '../../events/pipeline-events.js';
import type { ErasureStepInput, StoppedExecutions } from '../../state-machines/erasure/contract.js';
import { ErasureErrors } from '../../state-machines/erasure/contract.js';
import type { ExecutionControl } from './execution-control.js';

export interface StopExecutionsDeps {
  /** The workflows whose executions work on one subject: training and generation. */
  workflows: readonly { workflow: string; control: ExecutionControl }[];
  partnerTenants?: Readonly<Record<string, string>>;
}

/**
 * Stops every running execution of the subject (its trainings, waiting for a slot or on the endpoint, and its
 * generations), judged by each execution's own input; another subject's executions are never touched. A training
 * already on the endpoint runs to its end there: its adapter and notification find the tombstone and are deleted.
 */
export async function stopSubjectExecutions(
  input: ErasureStepInput,
  deps: StopExecutionsDeps,
): Promise<StoppedExecutions> {
  const byWorkflow: Record<string, number> = {};
  let stopped = 0;
  for (const { workflow, control } of deps.workflows) {
    byWorkflow[workflow] = 0;
    for (const execution of await control.running()) {
      if (!isExecutionFor(execution.input, input.request, deps.partnerTenants)) continue;
      await control.stop(
        execution.executionArn,
        ErasureErrors.subjectErased.name,
        `The subject was erased (${input.request.erasureId})`,
      );
      byWorkflow[workflow] += 1;
      stopped += 1;
    }
  }
  return { stopped, byWorkflow };
}

/**
 * Whose execution it is, from its input: a training's names the tenant and subject; a generation's is the event
 * that started it (our own Model Ready names the tenant; a partner's request is its account's tenant's).
 */
export function isExecutionFor(
  input: unknown,
  ref: SubjectRef,
  partnerTenants?: Readonly<Record<string, string>>,
): boolean {
  if (typeof input !== 'object' || input === null) return false;
  const value = input as {
    tenantId?: unknown;
    subjectId?: unknown;
    detail?: { tenantId?: unknown; subjectId?: unknown };
    source?: unknown;
    account?: unknown;
  };
  if (typeof value.subjectId === 'string') {
    return value.subjectId === ref.subjectId && (value.tenantId ?? DEFAULT_TENANT_ID) === ref.tenantId;
  }
  const detail = value.detail;
  if (typeof detail !== 'object' || detail === null || detail.subjectId !== ref.subjectId) return false;
  const tenant =
    value.source === EVENT_SOURCE
      ? (detail.tenantId ?? DEFAULT_TENANT_ID)
      : (typeof value.account === 'string' && partnerTenants?.[value.account]) || DEFAULT_TENANT_ID;
  return tenant === ref.tenantId;
}
