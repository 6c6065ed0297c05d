import { createHash } from 'node:crypto';
import type { PlannedPrompt } from '../../state-machines/generation/contract.js';
import { UnknownStyleError } from './errors.js';
import { cleanPrompt } from './prompt-normalization.js';
import stylePackJson from './style-pack.json' with { type: 'json' };

/** One avatar style: `prompt` contains `{subject}`, which becomes "<token> <classWord>" ("zwx woman"). */
export interface AvatarStyle {
  name: string;
  prompt: string;
  negativePrompt: string;
}

/** Shipped as data (style-pack.json) so the styles can change without touching code. */
export const DEFAULT_STYLE_PACK: readonly AvatarStyle[] = Object.freeze(
  stylePackJson.styles.map((style) => Object.freeze({ ...style })),
);

/** Used for explicit prompts, which bring no negative prompt of their own. */
export const DEFAULT_NEGATIVE_PROMPT =
  'blurry, lowres, deformed face, extra fingers, bad anatomy, watermark, text, nsfw';

/** Images per prompt when neither the request nor the subject's settings say. */
export const DEFAULT_IMAGES_PER_PROMPT = 2;

export const SUBJECT_PLACEHOLDER = '{subject}';

/** What planning needs: the subject's settings (or a partner's overrides merged into them). */
export interface PromptSettings {
  token: string;
  classWord: string;
  prompts?: string[];
  styles?: string[];
  imagesPerPrompt?: number;
}

/** "zwx woman": how prompts name the subject the model was trained on. */
export function subjectPhrase(settings: Pick<PromptSettings, 'token' | 'classWord'>): string {
  return `${settings.token} ${settings.classWord}`;
}

/**
 * The prompts to generate, in order `p01`, `p02`...: the explicit prompts if any, else the named styles, else
 * the whole style pack. An explicit prompt has `{subject}` substituted; one that names neither `{subject}` nor
 * the token gets ", portrait of <token> <classWord>" appended, so the model is asked for the subject.
 * Seeds are deterministic (requestId, promptId, image index): the same request reproduces the same images.
 * @throws UnknownStyleError naming the unknown styles and the valid ones
 */
export function planPrompts(
  settings: PromptSettings,
  requestId: string,
  stylePack: readonly AvatarStyle[] = DEFAULT_STYLE_PACK,
): PlannedPrompt[] {
  const imagesPerPrompt = settings.imagesPerPrompt ?? DEFAULT_IMAGES_PER_PROMPT;
  const subject = subjectPhrase(settings);
  const drafts: Omit<PlannedPrompt, 'promptId' | 'seeds'>[] = settings.prompts?.length
    ? settings.prompts.map((text) => ({
        prompt: explicitPrompt(text, settings.token, subject),
        negativePrompt: DEFAULT_NEGATIVE_PROMPT,
      }))
    : selectStyles(settings.styles, stylePack).map((style) => ({
        prompt: style.prompt.replaceAll(SUBJECT_PLACEHOLDER, subject),
        negativePrompt: style.negativePrompt,
        style: style.name,
      }));
  return drafts.map((draft, index) => {
    const promptId = promptIdAt(index);
    return {
      promptId,
      ...draft,
      seeds: Array.from({ length: imagesPerPrompt }, (_, imageIndex) =>
        seedFor(requestId, promptId, imageIndex),
      ),
    };
  });
}

/** `p01`, `p02`... (two digits at least, so ids sort as they were planned). */
export function promptIdAt(index: number): string {
  return `p${String(index + 1).padStart(2, '0')}`;
}

/**
 * A seed in [0, 2^31): SHA-256 of requestId, promptId, image index and attempt. Attempt 0 is the planned seed;
 * a regeneration after a blocked image uses attempt 1, 2... so it is new and still reproducible.
 */
export function seedFor(requestId: string, promptId: string, imageIndex: number, attempt = 0): number {
  const digest = createHash('sha256').update(`${requestId}\n${promptId}\n${imageIndex}\n${attempt}`).digest();
  return digest.readUInt32BE(0) >>> 1;
}

function explicitPrompt(text: string, token: string, subject: string): string {
  const trimmed = text.trim();
  // Nothing but spaces or invisible characters stays empty, so prompt screening rejects it as empty.
  if (cleanPrompt(trimmed) === '') return '';
  if (trimmed.includes(SUBJECT_PLACEHOLDER)) return trimmed.replaceAll(SUBJECT_PLACEHOLDER, subject);
  if (new RegExp(`\\b${token}\\b`, 'i').test(trimmed)) return trimmed;
  return `${trimmed}, portrait of ${subject}`;
}

function selectStyles(
  names: string[] | undefined,
  stylePack: readonly AvatarStyle[],
): readonly AvatarStyle[] {
  if (!names?.length) return stylePack;
  const byName = new Map(stylePack.map((style) => [style.name.toLowerCase(), style]));
  const unknown = names.filter((name) => !byName.has(name.trim().toLowerCase()));
  if (unknown.length > 0) {
    throw new UnknownStyleError(
      unknown,
      stylePack.map((style) => style.name),
    );
  }
  return names.map((name) => byName.get(name.trim().toLowerCase()) as AvatarStyle);
}
