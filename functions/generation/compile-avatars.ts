import { AvatarsReady, GenerationFailed } from '../../events/pipeline-events.js';
import { DRY_RUN, DRY_RUN_PERFORMER, modeField } from '../../events/run-mode.js';
import type { CompileAvatarsInput, CompileAvatarsOutput } from '../../state-machines/generation/contract.js';
import { AVATARS_PREFIX } from '../platform/bucket-layout.js';
import { assertOwnedKeys } from '../platform/ownership.js';

export interface CompileAvatarsDeps {
  /** Who generated (the ModelEndpoint's performedBy) and who screened the images (the ImageScreen's). */
  generatedBy: AvatarsReady['generatedBy'];
  screenedBy: AvatarsReady['screenedBy'];
}

/** RecordImageFailure (the workflow's Catch) writes a withheld result whose reason starts like this. */
const GENERATION_FAILED_PREFIX = 'Generation failed';

/**
 * CompileAvatars: `Avatars Ready` with the key of each delivered image (never a link: the event is broadcast; the
 * owner's links come from the API at read time) and the reason for each withheld one when at
 * least one image was delivered; otherwise `Generation Failed` saying why (every prompt rejected, every image
 * withheld by moderation, or the endpoint unavailable).
 */
export async function compileAvatars(
  input: CompileAvatarsInput,
  deps: CompileAvatarsDeps,
): Promise<CompileAvatarsOutput> {
  const { request, screening, results } = input;
  // Every image must be one the subject's own generation wrote: an event never names another's object.
  assertOwnedKeys(
    request,
    results.flatMap((result) => (result.status === 'delivered' ? [result.key] : [])),
    { task: 'CompileAvatars', prefix: AVATARS_PREFIX },
  );
  const delivered = results.filter((result) => result.status === 'delivered');
  const withheld = results.filter((result) => result.status === 'withheld');
  const base = {
    version: 1 as const,
    tenantId: request.tenantId,
    ...modeField(request.mode),
    subjectId: request.subjectId,
    modelVersion: request.modelVersion,
    ...(request.correlationId ? { correlationId: request.correlationId } : {}),
  };

  if (delivered.length === 0) {
    return { outcome: 'failed', generationFailed: GenerationFailed.parse({ ...base, ...whyNothing(input) }) };
  }

  const byPrompt = (promptId: string) =>
    results.filter((result) => result.promptId === promptId).sort((a, b) => a.imageIndex - b.imageIndex);
  const avatarsReady = AvatarsReady.parse({
    ...base,
    targetModel: request.targetModel,
    generationId: request.requestId,
    requestedBy: request.requestedBy,
    prompts: screening.accepted.map((prompt) => ({
      promptId: prompt.promptId,
      prompt: prompt.prompt,
      ...(prompt.style ? { style: prompt.style } : {}),
      delivered: byPrompt(prompt.promptId).flatMap((result) =>
        result.status === 'delivered' ? [{ key: result.key, seed: result.seed }] : [],
      ),
      withheld: byPrompt(prompt.promptId).flatMap((result) =>
        result.status === 'withheld'
          ? [{ seed: result.seed, attempts: Math.max(1, result.attempts), reason: result.reason }]
          : [],
      ),
    })),
    counts: {
      promptsRequested: input.prompts.length,
      promptsRejected: screening.rejected.length,
      imagesDelivered: delivered.length,
      imagesWithheld: withheld.length,
      imagesBlocked: results.reduce((sum, result) => sum + result.blocked, 0),
      regenerations: results.reduce((sum, result) => sum + Math.max(0, result.attempts - 1), 0),
    },
    generatedBy: request.mode === DRY_RUN ? DRY_RUN_PERFORMER : deps.generatedBy,
    screenedBy: deps.screenedBy,
  });
  return { outcome: 'ready', avatarsReady };
}

function whyNothing(input: CompileAvatarsInput): { reason: string; advice: string } {
  const { screening, results } = input;
  if (screening.accepted.length === 0) {
    const rules = screening.rejected
      .map((rejection) => `${rejection.promptId}: ${rejection.rule}`)
      .join(', ');
    return {
      reason: `Every prompt was rejected by prompt screening (${screening.rejected.length} of ${input.prompts.length}${rules ? `: ${rules}` : ''}), so nothing was generated`,
      advice:
        'Each Prompt Rejected event says what was wrong with a prompt and how to fix it; send the request again with prompts that follow that advice, or choose styles instead.',
    };
  }
  const failed = results.filter(
    (result) => result.status === 'withheld' && result.reason.startsWith(GENERATION_FAILED_PREFIX),
  );
  const blocked = results.filter((result) => result.status === 'withheld' && !failed.includes(result));
  if (results.length === 0) {
    return {
      reason: 'No image was generated for the accepted prompts',
      advice: 'Send the request again; if it keeps failing, report it with the correlation id.',
    };
  }
  if (blocked.length === 0) {
    const first = failed[0]?.status === 'withheld' ? failed[0].reason : '';
    return {
      reason: `The model endpoint could not generate any of the ${failed.length} image(s): ${first}`,
      advice:
        'Nothing is wrong with the request: the endpoint was unavailable or overloaded. Send it again later (or re-drive the execution).',
    };
  }
  const generations = blocked.reduce((sum, result) => sum + result.attempts, 0);
  return {
    reason: `Image moderation withheld every image: ${blocked.length} image(s) blocked after ${generations} generation(s) with different seeds${failed.length ? `, and ${failed.length} image(s) could not be generated` : ''}`,
    advice:
      'The prompts led the model to images that moderation blocks. Rephrase them (clothing, setting, a calmer scene) or choose one of the built-in styles.',
  };
}
