import { randomBytes } from 'node:crypto';
import { DRY_RUN } from '../../events/run-mode.js';
import type { CurrentModels } from '../generation/prepare-generation.js';
import { DEFAULT_IMAGES_PER_PROMPT } from '../generation/prompts.js';
import type { SubjectLedger } from '../ingest/subject-ledger.js';
import type { Executions } from './api-ports.js';
import type { ApiStore } from './api-store.js';
import { ConflictError, InvalidRequestError, QuotaExceededError } from './errors.js';
import { type ApiRequest, principalOf } from './http.js';
import { parseOrProblem } from './route.js';
import { CreateGenerationBody } from './schemas.js';
import { ownSubject } from './subject-lookup.js';

export interface CreateGenerationDeps {
  store: ApiStore;
  ledger: SubjectLedger;
  models: Pick<CurrentModels, 'current'>;
  generations: Executions;
  gpuImagesPerDay: number;
  now: () => number;
}

/** The execution of one API generation: the tenant first, as every execution name of a tenant's. */
export const generationExecutionName = (tenantId: string, generationId: string) =>
  `api-${tenantId}--${generationId}`;

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{8,128}$/;

/** The Idempotency-Key header, required: a retried POST must never order (and bill) a second generation. */
export function idempotencyKeyOf(request: ApiRequest): string {
  const key = request.headers['idempotency-key'];
  if (!key || !IDEMPOTENCY_KEY.test(key)) {
    throw new InvalidRequestError(
      'Idempotency-Key is required: 8-128 visible ASCII characters, one per generation.',
      [
        {
          field: 'header.Idempotency-Key',
          message: key ? 'not 8-128 visible ASCII characters' : 'missing',
          fix: 'send a new random value (a UUID) per generation, and the same value when you retry it',
        },
      ],
    );
  }
  return key;
}

/**
 * POST /v1/subjects/{id}/generations: checks the subject is the caller's and has a model, counts the images against
 * the tenant's GPU quota of the UTC day (429 over it), records the generation and starts the generation workflow
 * with the input the bus path gives it, the tenant the authorizer's (never the body's).
 */
export async function createGeneration(request: ApiRequest, deps: CreateGenerationDeps) {
  const principal = principalOf(request);
  const body = parseOrProblem(CreateGenerationBody, request.body, 'body');
  const { ref } = await ownSubject(request, deps);
  const model = await deps.models.current(ref);
  if (!model) {
    throw new ConflictError(`Subject "${ref.subjectId}" has no trained model yet.`, [
      {
        field: 'path.id',
        message: 'no model is ready for this subject',
        fix: `wait until GET /v1/subjects/${ref.subjectId} says ready`,
      },
    ]);
  }
  // A dry-run key, a dry-run request or a model trained in a dry run: the stand-in generates, no GPU is used.
  const dryRun =
    principal.mode === DRY_RUN ||
    body.mode === DRY_RUN ||
    (model.trainedWith as { mode?: string } | undefined)?.mode === DRY_RUN;
  const imagesPerPrompt = body.imagesPerPrompt ?? DEFAULT_IMAGES_PER_PROMPT;
  const images = (body.prompts ?? body.styles ?? []).length * imagesPerPrompt;
  const day = new Date(deps.now()).toISOString().slice(0, 10);
  if (!dryRun && !(await deps.store.consumeQuota(principal.tenantId, day, images, deps.gpuImagesPerDay))) {
    const secondsLeft = Math.ceil((Date.parse(`${day}T00:00:00Z`) + 86_400_000 - deps.now()) / 1000);
    throw new QuotaExceededError(
      `${images} image(s) would exceed your ${deps.gpuImagesPerDay} GPU images per day (UTC).`,
      secondsLeft,
      body.prompts ? 'body.prompts' : 'body.styles',
    );
  }
  const generationId = `gen-${randomBytes(8).toString('hex')}`;
  const executionName = generationExecutionName(ref.tenantId, generationId);
  await deps.store.createGeneration({
    ...ref,
    generationId,
    executionName,
    images,
    createdAt: new Date(deps.now()).toISOString(),
    ...(dryRun ? { mode: 'dry-run' as const } : {}),
  });
  await deps.generations.start(executionName, {
    id: generationId,
    'detail-type': 'Avatar Generation Requested',
    source: 'avatar-pipeline.api',
    detail: {
      version: 1,
      subjectId: ref.subjectId,
      ...(body.prompts ? { prompts: body.prompts } : { styles: body.styles }),
      ...(body.imagesPerPrompt ? { imagesPerPrompt: body.imagesPerPrompt } : {}),
      correlationId: generationId,
      ...(dryRun ? { mode: 'dry-run' as const } : {}),
    },
    apiRequest: { tenantId: ref.tenantId, clientId: principal.clientId },
  });
  return { id: generationId, status: 'queued' as const };
}
