import type { ImageLinks } from '../generation/image-links.js';
import type { SubjectLedger } from '../ingest/subject-ledger.js';
import { AVATARS_PREFIX, isOwnedKey } from '../platform/bucket-layout.js';
import type { Executions, ExecutionView } from './api-ports.js';
import type { ApiStore } from './api-store.js';
import { NotFoundError } from './errors.js';
import { type ApiRequest, type ApiResponse, json } from './http.js';
import type { GenerationView } from './schemas.js';
import { ownSubject } from './subject-lookup.js';

export interface GetGenerationDeps {
  store: ApiStore;
  ledger: SubjectLedger;
  generations: Executions;
  links: ImageLinks;
  /** At most an hour: a link outlives nothing it was given for. */
  linkSeconds: number;
}

interface GenerationOutput {
  prepared?: { valid?: boolean; rejected?: { advice?: string; errors?: { message: string }[] } };
  screening?: { rejected?: { prompt: string; rule: string; reason: string }[] };
  compiled?: {
    outcome?: 'ready' | 'failed';
    avatarsReady?: {
      prompts: { prompt: string; delivered: { key: string }[]; withheld: { reason: string }[] }[];
    };
    generationFailed?: { reason: string };
  };
}

/**
 * The generation's state from its execution: queued until it starts, running, then succeeded (with avatars, each
 * linked now for the owner) or failed (a refused request, nothing delivered, or a failed run). Only keys under the
 * subject's own avatars prefix are ever linked.
 */
export function generationView(
  id: string,
  execution: ExecutionView | undefined,
): Omit<GenerationView, 'avatars' | 'mode'> & { avatarKeys: { prompt: string; key: string }[] } {
  const empty = { id, reason: null, withheld: [], rejectedPrompts: [], avatarKeys: [] };
  if (!execution) return { ...empty, status: 'queued' };
  if (execution.status === 'RUNNING') return { ...empty, status: 'running' };
  if (execution.status !== 'SUCCEEDED')
    return { ...empty, status: 'failed', reason: `The generation workflow ended ${execution.status}` };
  const output = (execution.output ?? {}) as GenerationOutput;
  const rejectedPrompts = (output.screening?.rejected ?? []).map(({ prompt, rule, reason }) => ({
    prompt,
    rule,
    reason,
  }));
  if (output.prepared?.valid === false) {
    const errors = output.prepared.rejected?.errors?.map((e) => e.message).join('; ') ?? '';
    return {
      ...empty,
      status: 'failed',
      reason: `${errors} ${output.prepared.rejected?.advice ?? ''}`.trim(),
    };
  }
  const ready = output.compiled?.outcome === 'ready' ? output.compiled.avatarsReady : undefined;
  const prompts = ready?.prompts ?? [];
  return {
    id,
    status: ready ? 'succeeded' : 'failed',
    reason: ready ? null : (output.compiled?.generationFailed?.reason ?? 'No avatar could be delivered'),
    withheld: prompts.flatMap((p) => p.withheld.map((w) => ({ prompt: p.prompt, reason: w.reason }))),
    rejectedPrompts,
    avatarKeys: prompts.flatMap((p) => p.delivered.map((d) => ({ prompt: p.prompt, key: d.key }))),
  };
}

/** GET /v1/subjects/{id}/generations/{gid}. */
export async function getGeneration(request: ApiRequest, deps: GetGenerationDeps): Promise<ApiResponse> {
  const { ref } = await ownSubject(request, deps);
  const generationId = request.pathParameters.gid ?? '';
  const generation = await deps.store.getGeneration(ref, generationId);
  if (!generation) throw new NotFoundError(`Subject "${ref.subjectId}" has no generation "${generationId}".`);
  const { avatarKeys, ...view } = generationView(
    generationId,
    await deps.generations.describe(generation.executionName),
  );
  const avatars = await Promise.all(
    avatarKeys
      .filter(({ key }) => isOwnedKey(ref, key, AVATARS_PREFIX))
      .map(async ({ prompt, key }) => ({ prompt, ...(await deps.links.link(key, deps.linkSeconds)) })),
  );
  return json(200, { ...view, avatars, mode: generation.mode ?? 'live' } satisfies GenerationView);
}
