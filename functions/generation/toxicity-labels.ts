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
