import { SubjectId, type SubjectRef, TenantId } from '../../events/identifiers.js';
import type { ErasureStart } from '../../state-machines/erasure/contract.js';
import { newErasureId } from './begin-erasure.js';
import { InvalidErasureRequestError } from './errors.js';

/** Starts the erasure workflow (Step Functions StartExecution, or the local engine). */
export interface ErasureStarter {
  start(name: string, input: ErasureStart): Promise<{ alreadyStarted: boolean }>;
}

export interface RequestErasureDeps {
  starter: ErasureStarter;
  now: () => number;
  /** @default a fresh random id */
  newId?: () => string;
}

/** What `DELETE /v1/subjects/{id}` answers with 202 Accepted: the erasure, and where it stands. */
export interface ErasureAccepted {
  erasureId: string;
  tenantId: string;
  subjectId: string;
  status: 'accepted';
  /** Subject Erased (or Subject Erasure Failed) with this erasureId says when it is done. */
  requestedAt: string;
}

/**
 * The HTTP API's `DELETE /v1/subjects/{id}` (and `npm start -- erase`): the tenant is the caller's, authenticated by
 * the API; the subject id is checked here. Erasing a subject that does not exist is not an error (nothing is
 * found, the manifest counts zeros): a repeated DELETE is answered the same way.
 * @throws InvalidErasureRequestError naming the id and its rule
 */
export async function requestSubjectErasure(
  deps: RequestErasureDeps,
  ref: SubjectRef,
  options: { requestedBy?: 'api' | 'cli'; correlationId?: string } = {},
): Promise<ErasureAccepted> {
  const tenant = TenantId.safeParse(ref.tenantId);
  const subject = SubjectId.safeParse(ref.subjectId);
  if (!tenant.success || !subject.success) {
    throw new InvalidErasureRequestError(
      !subject.success
        ? `Subject id "${ref.subjectId}" is not valid: ${subject.error.issues[0]?.message}. Use the subject's folder name.`
        : `Tenant id "${ref.tenantId}" is not valid: ${tenant.error?.issues[0]?.message}.`,
    );
  }
  const erasureId = (deps.newId ?? newErasureId)();
  const requestedAt = new Date(deps.now()).toISOString();
  await deps.starter.start(erasureId, {
    erasureId,
    tenantId: tenant.data,
    subjectId: subject.data,
    requestedBy: options.requestedBy ?? 'api',
    requestedAt,
    ...(options.correlationId ? { correlationId: options.correlationId } : {}),
  });
  return { erasureId, tenantId: tenant.data, subjectId: subject.data, status: 'accepted', requestedAt };
}
