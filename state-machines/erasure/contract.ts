/**
 * The erasure workflow's contract, the only source of what flows through it. It is started in one of two ways:
 * by the HTTP API (`requestSubjectErasure`) or `npm start -- erase`, with an `ErasureStart` whose tenant the caller
 * already decided; or by an EventBridge rule on `Subject Erasure Requested` from a partner, with the whole event,
 * whose tenant BeginErasure decides from the account that put it. `workflow.ts` wires these paths with CDK.
 */

import * as z from 'zod';
import { SubjectId, TenantId } from '../../events/identifiers.js';
import { RequestRejected, SubjectErased } from '../../events/pipeline-events.js';
import { EventBridgeSchema } from '../../functions/platform/aws-event-schemas.js';
import type { ContractError } from '../error-contract.js';

export const ERASURE_ID_PATTERN = /^erasure-[a-f0-9]{24}$/;
export const ErasureId = z.string().regex(ERASURE_ID_PATTERN);

/** A start by the API or the CLI: the caller has authenticated the tenant. */
export const ErasureStart = z
  .object({
    erasureId: ErasureId,
    tenantId: TenantId,
    subjectId: SubjectId,
    requestedBy: z.enum(['api', 'cli']),
    requestedAt: z.iso.datetime(),
    correlationId: z.string().min(1).max(128).optional(),
  })
  .strict();
export type ErasureStart = z.infer<typeof ErasureStart>;

/** The EventBridge envelope a partner's `Subject Erasure Requested` arrives in; the detail is judged by BeginErasure. */
export const ErasureEventInput = EventBridgeSchema.pick({
  'detail-type': true,
  source: true,
  id: true,
  detail: true,
})
  .extend({ id: z.string().min(1), account: z.string().optional(), time: z.string().optional() })
  .passthrough();
export type ErasureEventInput = z.infer<typeof ErasureEventInput>;

export const ErasureExecutionInput = z.union([ErasureStart, ErasureEventInput]);
export type ErasureExecutionInput = z.infer<typeof ErasureExecutionInput>;

/** What every later state works from: the subject (tenant decided), who asked, and when. */
export const ErasureRequest = z.object({
  erasureId: ErasureId,
  tenantId: TenantId,
  subjectId: SubjectId,
  requestedBy: z.enum(['api', 'partner', 'cli']),
  requestedAt: z.string(),
  correlationId: z.string().optional(),
});
export type ErasureRequest = z.infer<typeof ErasureRequest>;

export const BeginErasureOutput = z.discriminatedUnion('valid', [
  z.object({ valid: z.literal(true), request: ErasureRequest }),
  z.object({ valid: z.literal(false), rejected: RequestRejected }),
]);
export type BeginErasureOutput = z.infer<typeof BeginErasureOutput>;

export const ErasureStepInput = z.object({ request: ErasureRequest });
export type ErasureStepInput = z.infer<typeof ErasureStepInput>;

export const StoppedExecutions = z.object({
  stopped: z.number().int().nonnegative(),
  byWorkflow: z.record(z.string(), z.number().int().nonnegative()),
});
export type StoppedExecutions = z.infer<typeof StoppedExecutions>;

export const ErasedPrefixCount = z.object({
  prefix: z.string(),
  versionsDeleted: z.number().int().nonnegative(),
});
export const ErasedStoreCount = z.object({ store: z.string(), rowsDeleted: z.number().int().nonnegative() });

export const ErasedData = z.object({
  objects: z.array(ErasedPrefixCount),
  records: z.array(ErasedStoreCount),
});
export type ErasedData = z.infer<typeof ErasedData>;

export const VerifyErasureInput = z.object({
  request: ErasureRequest,
  /** Passes already verified (0 on the first). */
  attempt: z.number().int().nonnegative(),
  /** What earlier passes deleted (empty on the first). */
  totals: ErasedData,
  erased: ErasedData,
  stopped: StoppedExecutions,
});
export type VerifyErasureInput = z.infer<typeof VerifyErasureInput>;

export const ErasureProgress = z.object({
  attempt: z.number().int().nonnegative(),
  complete: z.boolean(),
  totals: ErasedData,
  /** The event to publish once complete (its manifest's `remaining` is what the re-list found). */
  subjectErased: SubjectErased.optional(),
});
export type ErasureProgress = z.infer<typeof ErasureProgress>;

export const ErasureTaskSchemas = {
  BeginErasure: { input: ErasureExecutionInput, output: BeginErasureOutput },
  StopSubjectExecutions: { input: ErasureStepInput, output: StoppedExecutions },
  EraseSubjectData: { input: ErasureStepInput, output: ErasedData },
  VerifyErasure: { input: VerifyErasureInput, output: ErasureProgress },
} as const;

export const ErasureStates = {
  begin: 'BeginErasure',
  isRequestValid: 'IsErasureRequestValid',
  publishRequestRejected: 'PublishRequestRejected',
  requestRejected: 'RequestRejected',
  stopExecutions: 'StopSubjectExecutions',
  startCounting: 'StartCounting',
  eraseData: 'EraseSubjectData',
  verify: 'VerifyErasure',
  isComplete: 'IsErasureComplete',
  waitBeforeErasingAgain: 'WaitBeforeErasingAgain',
  publishSubjectErased: 'PublishSubjectErased',
  subjectErased: 'SubjectErased',
  recordFailure: 'RecordErasureFailure',
  recordIncomplete: 'RecordErasureIncomplete',
  publishErasureFailed: 'PublishErasureFailed',
  erasureFailed: 'ErasureFailed',
} as const;

export const ErasurePaths = {
  begun: '$.begun',
  stopped: '$.stopped',
  erased: '$.erased',
  progress: '$.progress',
  failure: '$.failure',
  failed: '$.failed',
} as const;

/** Passes of delete-then-verify before the erasure is reported failed (a write racing the erasure needs one more). */
export const MAX_ERASURE_PASSES = 3;

export const ErasureErrors = {
  malformedTaskInput: { name: 'MalformedErasureTaskInputError', retryable: false },
  /** S3 or DynamoDB refused or throttled part of a step: the step is idempotent and retried. */
  erasureIncomplete: { name: 'ErasureIncompleteError', retryable: true },
  /** A callback or deploy of a training begun before its subject's erasure: its result is deleted, not used. */
  subjectErased: { name: 'SubjectErasedError', retryable: false },
  /** `error` of the Fail state: the erasure could not complete; Subject Erasure Failed says why. */
  erasureFailed: { name: 'ErasureFailed', retryable: false },
} as const satisfies Record<string, ContractError>;
