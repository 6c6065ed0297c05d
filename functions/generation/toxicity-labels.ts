/**
 * The labels Comprehend DetectToxicContent scores, besides the overall Toxicity score. The screening policy
 * and the stack's `toxicityThresholds` context (checked at synth) both read this one list.
 */
export const TOXICITY_LABELS = [
  'PROFANITY',
  'HATE_SPEECH',
  'INSULT',
  'GRAPHIC',
  'HARASSMENT_OR_ABUSE',
  'SEXUAL',
  'VIOLENCE_OR_THREAT',
] as const;
export type ToxicityLabel = (typeof TOXICITY_LABELS)[number];

/** The overall Toxicity score's name: the key of TOXICITY_THRESHOLDS that sets its threshold, and its label. */
export const OVERALL_TOXICITY_KEY = 'TOXICITY';
