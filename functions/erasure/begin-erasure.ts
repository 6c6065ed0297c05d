import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_TENANT_ID, type SubjectRef } from '../../events/identifiers.js';
import { EVENT_SOURCE, SubjectErasureRequested } from '../../events/pipeline-events.js';
import {
  type BeginErasureOutput,
  type ErasureEventInput,
  type ErasureExecutionInput,
  type ErasureRequest,
  ErasureStart,
} from '../../state-machines/erasure/contract.js';
import type { ErasureTombstones } from './erasure-tombstones.js';

export const ERASURE_REQUESTED = 'Subject Erasure Requested';

export interface BeginErasureDeps {
  tombstones: ErasureTombstones;
  now: () => number;
  /**
   * The tenant of each partner account allowed to put requests on the bus, as for generation requests; a request
   * from an account not listed (this account's own principals) is the default tenant's. A partner never names one.
   */
  partnerTenants?: Readonly<Record<string, string>>;
}

/** A fresh erasure id (the API's and the CLI's starts). */
export function newErasureId(): string {
  return `erasure-${randomBytes(12).toString('hex')}`;
}

/** The erasure id of a partner's event: the same event delivered twice is the same erasure. */
export function erasureIdOfEvent(eventId: string): string {
  return `erasure-${createHash('sha256').update(`event\u0000${eventId}`).digest('hex').slice(0, 24)}`;
}

/**
 * The first state: decides whose subject is erased (the caller's tenant, or the partner account's) and records the
 * tombstone before anything is stopped or deleted, so that a training finishing meanwhile finds it. A partner's
 * malformed request is answered with Request Rejected, and nothing is erased.
 */
export async function beginErasure(
  input: ErasureExecutionInput,
  deps: BeginErasureDeps,
): Promise<BeginErasureOutput> {
  let request: ErasureRequest;
  const start = ErasureStart.safeParse(input);
  if (start.success) {
    request = { ...start.data };
  } else {
    input = input as ErasureEventInput;
    const tenantId = partnerTenantOf(input, deps);
    const parsed = SubjectErasureRequested.safeParse(input.detail);
    if (input['detail-type'] !== ERASURE_REQUESTED || input.source === EVENT_SOURCE || !parsed.success) {
      const detail = input.detail as { subjectId?: unknown; correlationId?: unknown } | null;
      const correlationId =
        typeof detail?.correlationId === 'string' ? detail.correlationId.slice(0, 128) : '';
      return {
        valid: false,
        rejected: {
          version: 1,
          tenantId,
          subjectId: typeof detail?.subjectId === 'string' ? detail.subjectId.slice(0, 128) : '',
          ...(correlationId ? { correlationId } : {}),
          errors: parsed.success
            ? [
                {
                  path: 'detail-type',
                  message: `expected "${ERASURE_REQUESTED}" from a partner's own source`,
                },
              ]
            : parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(detail)', message: i.message })),
          advice:
            'Send {"version": 1, "subjectId": "<id>"} as the detail of a "Subject Erasure Requested" event with your own source; the subject id is the folder name.',
        },
      };
    }
    request = {
      erasureId: erasureIdOfEvent(input.id),
      tenantId,
      subjectId: parsed.data.subjectId,
      requestedBy: 'partner',
      requestedAt: input.time ?? new Date(deps.now()).toISOString(),
      ...(parsed.data.correlationId ? { correlationId: parsed.data.correlationId } : {}),
    };
  }
  await deps.tombstones.record(request satisfies SubjectRef, request.erasureId, deps.now());
  return { valid: true, request };
}

function partnerTenantOf(input: ErasureEventInput, deps: BeginErasureDeps): string {
  const account = input.account;
  return (typeof account === 'string' && deps.partnerTenants?.[account]) || DEFAULT_TENANT_ID;
}
