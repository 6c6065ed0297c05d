import type { PromptRejected } from '../../events/pipeline-events.js';
import { modeField } from '../../events/run-mode.js';
import type {
  GenerationJob,
  GenerationRequest,
  PlannedPrompt,
  ScreenPromptsOutput,
} from '../../state-machines/generation/contract.js';
import {
  type Environment,
  getListFromEnv,
  getNumberFromEnv,
  getStringFromEnv,
  MissingConfigurationError,
} from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { PIPELINE_DEFAULTS } from '../platform/pipeline-defaults.js';
import denyListJson from './deny-list.json' with { type: 'json' };
import { cleanPrompt, containsPhrase, normalizePrompt } from './prompt-normalization.js';
import { OVERALL_TOXICITY_KEY, TOXICITY_LABELS, type ToxicityLabel } from './toxicity-labels.js';

export type PromptScreenPerformer = 'amazon-comprehend' | 'local-stand-in';

export interface LanguageDetection {
  /** ISO 639-1 ("en"), or "und" when nothing could be detected. */
  languageCode: string;
  /** 0-1 */
  score: number;
}

/** Port: the dominant language of a text (Comprehend DetectDominantLanguage on AWS). */
export interface LanguageDetector {
  readonly performedBy: PromptScreenPerformer;
  /** @throws ScreeningUnavailableError when the service is throttled or failing */
  detectDominantLanguage(text: string): Promise<LanguageDetection>;
}

export { TOXICITY_LABELS, type ToxicityLabel };

export interface ToxicityScores {
  /** Overall toxicity, 0-1. */
  toxicity: number;
  /** Score per label, 0-1; a label absent from the answer scores 0. */
  labels: Partial<Record<string, number>>;
}

/** Comprehend DetectToxicContent takes at most 10 segments per call. */
export const TOXICITY_SEGMENTS_PER_CALL = 10;

/** Port: toxicity of English texts (Comprehend DetectToxicContent on AWS). */
export interface ToxicityClassifier {
  readonly performedBy: PromptScreenPerformer;
  /**
   * @param texts at most TOXICITY_SEGMENTS_PER_CALL English texts
   * @returns one result per text, in order
   * @throws ScreeningUnavailableError when the service is throttled or failing
   */
  classify(texts: string[]): Promise<ToxicityScores[]>;
}

export type NonEnglishPolicy = 'reject' | 'allow-unscreened';

export interface PromptScreeningPolicy {
  /** Whole words or phrases, matched after normalization. */
  denyList: string[];
  /** UTF-8 bytes of the cleaned prompt; Comprehend's segment limit is 1 KB. */
  maxPromptBytes: number;
  /** Toxicity screening is English only: other prompts are rejected, or let through unscreened (and said so). */
  nonEnglishPolicy: NonEnglishPolicy;
  /** Dominant language "en" with a lower score counts as not English. */
  minEnglishScore: number;
  /** A label at or above its threshold rejects the prompt. */
  toxicityThresholds: Record<ToxicityLabel, number>;
  /** Overall Toxicity at or above this rejects the prompt. */
  overallToxicityThreshold: number;
}

export const DEFAULT_DENY_LIST: readonly string[] = Object.freeze([...denyListJson.entries]);

export const DEFAULT_PROMPT_SCREENING_POLICY: Readonly<PromptScreeningPolicy> = Object.freeze({
  denyList: [...DEFAULT_DENY_LIST],
  maxPromptBytes: 1024,
  nonEnglishPolicy: PIPELINE_DEFAULTS.nonEnglishPromptPolicy,
  minEnglishScore: 0.8,
  toxicityThresholds: Object.freeze({
    PROFANITY: 0.5,
    HATE_SPEECH: 0.4,
    INSULT: 0.5,
    GRAPHIC: 0.4,
    HARASSMENT_OR_ABUSE: 0.4,
    SEXUAL: 0.3,
    VIOLENCE_OR_THREAT: 0.4,
  }),
  overallToxicityThreshold: 0.5,
});

/**
 * DENY_LIST_EXTRA (comma separated, added to the shipped list), TOXICITY_THRESHOLDS (JSON object of label ->
 * 0..1, key TOXICITY for the overall score), NON_ENGLISH_POLICY (reject | allow-unscreened), MAX_PROMPT_BYTES
 * (default 1024). A typo fails loudly instead of screening less.
 */
export function readPromptScreeningPolicyFromEnvironment(
  env: Environment = process.env,
): PromptScreeningPolicy {
  const defaults = DEFAULT_PROMPT_SCREENING_POLICY;
  const extra = getListFromEnv(Env.denyListExtra, { defaultValue: [], env });
  const nonEnglishPolicy = getStringFromEnv(Env.nonEnglishPolicy, {
    defaultValue: defaults.nonEnglishPolicy,
    env,
  });
  if (nonEnglishPolicy !== 'reject' && nonEnglishPolicy !== 'allow-unscreened') {
    throw new MissingConfigurationError(
      `NON_ENGLISH_POLICY="${nonEnglishPolicy}" is not one of reject, allow-unscreened`,
    );
  }
  const thresholds = { ...defaults.toxicityThresholds };
  let overallToxicityThreshold = defaults.overallToxicityThreshold;
  const thresholdsJson = getStringFromEnv(Env.toxicityThresholds, { defaultValue: '', env });
  if (thresholdsJson) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(thresholdsJson);
    } catch {
      throw new MissingConfigurationError(`TOXICITY_THRESHOLDS is not JSON: ${thresholdsJson}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new MissingConfigurationError('TOXICITY_THRESHOLDS must be a JSON object of label -> 0..1');
    }
    for (const [label, value] of Object.entries(parsed)) {
      if (typeof value !== 'number' || value < 0 || value > 1) {
        throw new MissingConfigurationError(`TOXICITY_THRESHOLDS.${label} must be a number from 0 to 1`);
      }
      if (label === OVERALL_TOXICITY_KEY) overallToxicityThreshold = value;
      else if ((TOXICITY_LABELS as readonly string[]).includes(label))
        thresholds[label as ToxicityLabel] = value;
      else {
        throw new MissingConfigurationError(
          `TOXICITY_THRESHOLDS has unknown label "${label}"; expected ${[...TOXICITY_LABELS, OVERALL_TOXICITY_KEY].join(', ')}`,
        );
      }
    }
  }
  const maxPromptBytes = getNumberFromEnv(Env.maxPromptBytes, {
    defaultValue: defaults.maxPromptBytes,
    integer: true,
    min: 1,
    env,
  });
  return {
    denyList: [...defaults.denyList, ...extra],
    maxPromptBytes,
    nonEnglishPolicy,
    minEnglishScore: defaults.minEnglishScore,
    toxicityThresholds: thresholds,
    overallToxicityThreshold,
  };
}

export interface ScreenPromptsDeps {
  language: LanguageDetector;
  toxicity: ToxicityClassifier;
  policy: PromptScreeningPolicy;
  log: (message: string, fields: Record<string, unknown>) => void;
}

/** A prompt accepted without toxicity screening (not English, NON_ENGLISH_POLICY=allow-unscreened). */
export interface UnscreenedPrompt {
  promptId: string;
  languageCode: string;
  score: number;
  note: string;
}

export interface ScreenPromptsResult extends ScreenPromptsOutput {
  /** Accepted prompts that were NOT screened for toxicity; empty under the default policy. */
  unscreened: UnscreenedPrompt[];
}

type Rule = PromptRejected['rule'];
interface Verdict {
  rule: Rule;
  label?: string;
  score?: number;
  reason: string;
  advice: string;
  screenedBy: PromptRejected['screenedBy'];
}

/** Language detections in flight at once (Comprehend's default is 20 requests per second). */
const LANGUAGE_CONCURRENCY = 5;

/**
 * ScreenPrompts. Rules in order, the first that matches rejects: empty, length, deny-list, language, toxicity.
 * Only accepted prompts get jobs (one per seed), so a rejected prompt never reaches the GPU.
 * @throws ScreeningUnavailableError when Comprehend is throttled or failing (the state machine retries)
 */
export async function screenPrompts(
  input: { request: GenerationRequest; prompts: PlannedPrompt[] },
  deps: ScreenPromptsDeps,
): Promise<ScreenPromptsResult> {
  const { policy } = deps;
  const verdicts = new Map<string, Verdict>();
  const unscreened: UnscreenedPrompt[] = [];
  const cleaned = new Map(input.prompts.map((prompt) => [prompt.promptId, cleanPrompt(prompt.prompt)]));
  const textOf = (prompt: PlannedPrompt) => cleaned.get(prompt.promptId) ?? '';

  // Rules that need no service: empty, length, deny-list.
  for (const prompt of input.prompts) {
    // Our own rules decide these, on AWS as locally: no service is credited with them.
    const verdict = localVerdict(textOf(prompt), policy, 'avatar-pipeline');
    if (verdict) verdicts.set(prompt.promptId, verdict);
  }

  // Language, then toxicity for the English ones.
  const english: PlannedPrompt[] = [];
  const pending = input.prompts.filter((prompt) => !verdicts.has(prompt.promptId));
  for (let start = 0; start < pending.length; start += LANGUAGE_CONCURRENCY) {
    const chunk = pending.slice(start, start + LANGUAGE_CONCURRENCY);
    const detections = await Promise.all(
      chunk.map((prompt) => deps.language.detectDominantLanguage(textOf(prompt))),
    );
    chunk.forEach((prompt, index) => {
      const detection = detections[index] as LanguageDetection;
      if (detection.languageCode === 'en' && detection.score >= policy.minEnglishScore) {
        english.push(prompt);
        return;
      }
      if (policy.nonEnglishPolicy === 'allow-unscreened') {
        const note = `Prompt ${prompt.promptId} was NOT screened for toxicity: its dominant language is "${detection.languageCode}" (score ${round(detection.score)}) and toxicity screening is English only; NON_ENGLISH_POLICY=allow-unscreened lets it through on the deny-list alone`;
        unscreened.push({
          promptId: prompt.promptId,
          languageCode: detection.languageCode,
          score: detection.score,
          note,
        });
        deps.log(note, { requestId: input.request.requestId, promptId: prompt.promptId });
        return;
      }
      verdicts.set(prompt.promptId, languageVerdict(detection, policy, deps.language.performedBy));
    });
  }

  for (let start = 0; start < english.length; start += TOXICITY_SEGMENTS_PER_CALL) {
    const batch = english.slice(start, start + TOXICITY_SEGMENTS_PER_CALL);
    const scores = await deps.toxicity.classify(batch.map(textOf));
    batch.forEach((prompt, index) => {
      const verdict = toxicityVerdict(
        scores[index] ?? { toxicity: 0, labels: {} },
        policy,
        deps.toxicity.performedBy,
      );
      if (verdict) verdicts.set(prompt.promptId, verdict);
    });
  }

  const accepted = input.prompts.filter((prompt) => !verdicts.has(prompt.promptId));
  const rejected = input.prompts.flatMap((prompt) => {
    const verdict = verdicts.get(prompt.promptId);
    return verdict ? [promptRejected(input.request, prompt, verdict)] : [];
  });
  for (const rejection of rejected) {
    deps.log('Prompt rejected', {
      requestId: input.request.requestId,
      promptId: rejection.promptId,
      rule: rejection.rule,
      label: rejection.label,
      score: rejection.score,
    });
  }
  const jobs: GenerationJob[] = accepted.flatMap((prompt) =>
    prompt.seeds.map((seed, imageIndex) => ({
      promptId: prompt.promptId,
      prompt: prompt.prompt,
      negativePrompt: prompt.negativePrompt,
      seed,
      imageIndex,
    })),
  );
  return { accepted, rejected, jobs, unscreened };
}

function localVerdict(
  text: string,
  policy: PromptScreeningPolicy,
  screenedBy: PromptRejected['screenedBy'],
): Verdict | undefined {
  const normalized = normalizePrompt(text);
  if (normalized === '') {
    return {
      rule: 'empty',
      reason: 'The prompt is empty (or only spaces and invisible characters)',
      advice: 'Describe the avatar you want, e.g. "a portrait of {subject} as an astronaut".',
      screenedBy,
    };
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > policy.maxPromptBytes) {
    return {
      rule: 'length',
      reason: `The prompt is ${bytes} bytes of UTF-8, over the limit of ${policy.maxPromptBytes}`,
      advice: `Shorten the prompt to at most ${policy.maxPromptBytes} bytes (letters outside ASCII take 2-4 bytes each); Stable Diffusion reads only the first 77 tokens anyway.`,
      screenedBy,
    };
  }
  const entry = policy.denyList.find((candidate) => containsPhrase(normalized, candidate));
  if (entry !== undefined) {
    return {
      rule: 'deny-list',
      label: entry,
      reason: `The prompt contains "${entry}", which this service does not generate (spelling variants and look-alike characters count too)`,
      advice: 'Remove that word or phrase and describe a different scene or style.',
      screenedBy,
    };
  }
  return undefined;
}

function languageVerdict(
  detection: LanguageDetection,
  policy: PromptScreeningPolicy,
  screenedBy: PromptScreenPerformer,
): Verdict {
  const confident = detection.languageCode === 'en';
  return {
    rule: 'language',
    label: detection.languageCode,
    score: clamp01(detection.score),
    reason: confident
      ? `The prompt is not clearly English (English with confidence ${round(detection.score)}, below ${policy.minEnglishScore})`
      : `The prompt's dominant language is "${detection.languageCode}" (confidence ${round(detection.score)}); prompts are screened in English only`,
    advice: 'Write the prompt in English, in plain words (a short sentence describing the scene and style).',
    screenedBy,
  };
}

function toxicityVerdict(
  scores: ToxicityScores,
  policy: PromptScreeningPolicy,
  screenedBy: PromptScreenPerformer,
): Verdict | undefined {
  const offending = TOXICITY_LABELS.map((label) => ({ label, score: scores.labels[label] ?? 0 }))
    .filter(({ label, score }) => score >= policy.toxicityThresholds[label])
    .sort((a, b) => b.score - a.score);
  const worst =
    offending[0] ??
    (scores.toxicity >= policy.overallToxicityThreshold
      ? { label: OVERALL_TOXICITY_KEY, score: scores.toxicity }
      : undefined);
  if (!worst) return undefined;
  return {
    rule: 'toxicity',
    label: worst.label,
    score: clamp01(worst.score),
    reason: `The prompt was classified as ${worst.label.toLowerCase().replaceAll('_', ' ')} (score ${round(worst.score)})`,
    advice: 'Rephrase the prompt without offensive, sexual, violent or hateful content.',
    screenedBy,
  };
}

const PROMPT_EXCERPT_CHARS = 300;

function promptRejected(request: GenerationRequest, prompt: PlannedPrompt, verdict: Verdict): PromptRejected {
  return {
    version: 1,
    tenantId: request.tenantId,
    ...modeField(request.mode),
    subjectId: request.subjectId,
    modelVersion: request.modelVersion,
    ...(request.correlationId ? { correlationId: request.correlationId } : {}),
    promptId: prompt.promptId,
    prompt: Array.from(prompt.prompt).slice(0, PROMPT_EXCERPT_CHARS).join(''),
    rule: verdict.rule,
    ...(verdict.label !== undefined ? { label: verdict.label } : {}),
    ...(verdict.score !== undefined ? { score: verdict.score } : {}),
    reason: verdict.reason,
    advice: verdict.advice,
    screenedBy: verdict.screenedBy,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
