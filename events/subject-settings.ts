import * as z from 'zod';
import { RunMode } from './run-mode.js';
import { TrainingOverrides } from './training-settings.js';

/**
 * The optional `subject.json` dropped beside the photos. Unknown fields are refused so a typo
 * ("classword") is reported instead of silently ignored.
 */
export const SubjectSettings = z
  .object({
    classWord: z
      .string()
      .regex(/^[a-z][a-z ]{1,30}$/, 'a lower-case noun such as "person", "man", "woman", "child"')
      .default('person'),
    token: z
      .string()
      .regex(/^[a-z]{3,8}$/, '3 to 8 lower-case letters, a rare word such as "zwx"')
      .default('zwx')
      .describe('Rare token that names this subject in prompts'),
    prompts: z.array(z.string().min(1).max(2000)).max(20).optional(),
    styles: z.array(z.string().min(1).max(60)).max(20).optional(),
    imagesPerPrompt: z.number().int().min(1).max(8).optional(),
    training: TrainingOverrides.optional().describe(
      'DreamBooth LoRA hyperparameters to override, each within documented bounds (events/training-settings.ts)',
    ),
    photos: z
      .array(
        z
          .string()
          .min(1)
          .max(512)
          .regex(
            /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\\]+$/,
            'a path inside the subject folder, such as "IMG_0001.jpg"',
          ),
      )
      .min(1)
      .max(50)
      .optional()
      .describe(
        'The photos of this set, as paths inside the subject folder: the set is sealed as soon as all of them have arrived',
      ),
    photoCount: z
      .number()
      .int()
      .min(1)
      .max(50)
      .optional()
      .describe('How many photos this set has: the set is sealed as soon as that many have arrived'),
    webhook: z
      .object({
        url: z
          .url({ protocol: /^https?$/ })
          .max(2048)
          .describe(
            'HTTPS endpoint (port 443) that receives signed Standard Webhooks; plain http only for a loopback receiver of a local run. Private, loopback and metadata addresses are refused (Subject Rejected)',
          ),
      })
      .strict()
      .optional(),
    mode: RunMode.optional().describe(
      'dry-run: train and generate with the stand-ins, no GPU time and no GPU cost; every event says dry-run',
    ),
  })
  .strict()
  .refine(
    (settings) => !settings.photos || !settings.photoCount || settings.photoCount === settings.photos.length,
    {
      message: 'photoCount must equal the number of photos listed (or give only one of the two)',
      path: ['photoCount'],
    },
  );
export type SubjectSettings = z.infer<typeof SubjectSettings>;

/** One thing wrong with a subject.json: the dotted path of the field ('' for the whole file) and what is wrong. */
export interface SettingsProblem {
  path: string;
  message: string;
}

/**
 * A problem report is stored with the subject and travels in the workflow's input (256 KB at most): a file with
 * thousands of faults (unknown keys, a huge array) is reported by its first ones, each message cut short.
 */
export const MAX_REPORTED_PROBLEMS = 20;
export const MAX_PROBLEM_MESSAGE_CHARS = 300;

const cut = (message: string) =>
  message.length > MAX_PROBLEM_MESSAGE_CHARS
    ? `${message.slice(0, MAX_PROBLEM_MESSAGE_CHARS - 3)}...`
    : message;

/** A subject.json that cannot be used: not JSON at all, or JSON whose fields break the schema. */
export class InvalidSubjectSettingsError extends Error {
  override name = 'InvalidSubjectSettingsError';

  constructor(
    readonly kind: 'not-json' | 'invalid',
    readonly problems: readonly SettingsProblem[],
    options?: ErrorOptions,
  ) {
    super(
      kind === 'not-json'
        ? `subject.json is not JSON: ${problems[0]?.message ?? ''}`
        : `subject.json has invalid settings: ${problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ')}`,
      options,
    );
  }
}

export type SubjectSettingsResult =
  | { success: true; settings: SubjectSettings }
  | { success: false; error: InvalidSubjectSettingsError };

/**
 * Parses the text of a subject.json. Never throws: a bad file is an answer (which field, what is wrong) that
 * the caller reports to the person who dropped it.
 */
export function parseSubjectSettingsJson(text: string): SubjectSettingsResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const problem = { path: '', message: cut((error as Error).message) };
    return {
      success: false,
      error: new InvalidSubjectSettingsError('not-json', [problem], { cause: error }),
    };
  }
  const parsed = SubjectSettings.safeParse(raw);
  if (!parsed.success) {
    const { issues } = parsed.error;
    const problems = issues
      .slice(0, MAX_REPORTED_PROBLEMS)
      .map((i) => ({ path: i.path.map(String).join('.'), message: cut(i.message) }));
    if (issues.length > MAX_REPORTED_PROBLEMS) {
      problems.push({ path: '', message: `and ${issues.length - MAX_REPORTED_PROBLEMS} more problems` });
    }
    return {
      success: false,
      error: new InvalidSubjectSettingsError('invalid', problems, { cause: parsed.error }),
    };
  }
  return { success: true, settings: parsed.data };
}
