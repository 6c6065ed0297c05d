import { parseSubjectSettingsJson, type SubjectSettings } from '../../events/subject-settings.js';
import { UnknownStyleError } from '../generation/errors.js';
import { DEFAULT_IMAGES_PER_PROMPT, planPrompts } from '../generation/prompts.js';
import { AWS_URL_POLICY, checkWebhookUrl, type WebhookUrlPolicy } from '../webhooks/url-guard.js';

/** subject.json is a few hundred bytes of settings; anything near this is not a settings file. */
export const MAX_SETTINGS_BYTES = 64 * 1024;

export interface SettingsLimits {
  /** The generation workflow refuses a request for more images than this: refuse such settings now. */
  maxImagesPerRequest: number;
  /** A set may not name more photos than training keeps. */
  maxPhotos: number;
  /** The SSRF guard on `webhook.url` (default: as on AWS, https on 443 to a public host only). */
  webhookUrlPolicy?: WebhookUrlPolicy;
}

export type SettingsVerdict = { settings: SubjectSettings } | { problem: string };

/**
 * Everything that will later use subject.json, checked when it arrives, so a subject that can never be served
 * is refused before any photo is analysed or any GPU time is spent: the schema (token, class word, training
 * bounds), the style pack (every style must exist), the image cap (prompts x images per prompt), and the SSRF
 * guard on `webhook.url` (no private, loopback or metadata address, https on 443). Each problem
 * names the file, the field and the fix.
 */
export function checkSubjectSettings(key: string, text: string, limits: SettingsLimits): SettingsVerdict {
  const parsed = parseSubjectSettingsJson(text);
  if (!parsed.success) {
    const { kind, problems } = parsed.error;
    if (kind === 'not-json') {
      return {
        problem: `${key} is not valid JSON (${problems[0]?.message}); fix it or delete it and upload it again`,
      };
    }
    const issues = problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ');
    return { problem: `${key} has invalid settings (${issues}); fix them and upload it again` };
  }
  const { settings } = parsed;
  if (settings.webhook) {
    const verdict = checkWebhookUrl(settings.webhook.url, limits.webhookUrlPolicy ?? AWS_URL_POLICY);
    if (!verdict.ok) {
      return {
        problem: `${key} has a webhook.url that is refused: ${verdict.reason}; fix webhook.url (a public https URL) and upload it again`,
      };
    }
  }
  const photosNamed = settings.photos?.length ?? settings.photoCount;
  if (photosNamed !== undefined && photosNamed > limits.maxPhotos) {
    return {
      problem: `${key} names ${photosNamed} photos (${settings.photos ? 'photos' : 'photoCount'}), more than the ${limits.maxPhotos} a training uses; name at most ${limits.maxPhotos}`,
    };
  }
  let prompts: ReturnType<typeof planPrompts>;
  try {
    prompts = planPrompts(settings, 'settings-check');
  } catch (error) {
    if (!(error instanceof UnknownStyleError)) throw error;
    return {
      problem: `${key} has invalid settings (styles: ${error.message}); use only those styles, or give prompts instead, and upload it again`,
    };
  }
  const imagesPerPrompt = settings.imagesPerPrompt ?? DEFAULT_IMAGES_PER_PROMPT;
  const images = prompts.length * imagesPerPrompt;
  if (images > limits.maxImagesPerRequest) {
    return {
      problem: `${key} asks for ${prompts.length} prompt(s) x ${imagesPerPrompt} image(s) = ${images} avatars (imagesPerPrompt), over the limit of ${limits.maxImagesPerRequest} per request; use fewer prompts or styles or a smaller imagesPerPrompt, and upload it again`,
    };
  }
  return { settings };
}

/** The size check that comes before reading the body (from HEAD). */
export function settingsTooLarge(key: string, size: number): string | undefined {
  if (size <= MAX_SETTINGS_BYTES) return undefined;
  return `${key} is ${size} bytes, more than the ${MAX_SETTINGS_BYTES} a settings file may have: it is not read; replace it with the small JSON file the README describes`;
}
