import { type PipelineDetailType, PromptRejected } from '../../events/pipeline-events.js';
import { OVERALL_TOXICITY_KEY, TOXICITY_LABELS } from '../generation/toxicity-labels.js';

/**
 * What one pipeline event adds to the day's counts, for the operators' dashboard and daily summary. Counter names
 * come from a fixed vocabulary (detail-types, the prompt rule enum, Comprehend's toxicity labels, a category of
 * subject rejection): never a subject id, a prompt, a deny-list word, a reason's text, a key or a link.
 */
export type OutcomeCounts = Readonly<Record<string, number>>;

/** The detail-types that count, each with the counter it adds one to (the rule on the bus matches exactly these). */
export const COUNTED_EVENTS = {
  'Subject Received': 'SubjectsReceived',
  'Subject Accepted': 'SubjectsAccepted',
  'Subject Rejected': 'SubjectsRejected',
  'Subject Processing Failed': 'SubjectsFailed',
  'Image Set Superseded': 'ImageSetsSuperseded',
  'Training Started': 'TrainingsStarted',
  'Training Failed': 'TrainingsFailed',
  'Model Ready': 'ModelsReady',
  'Prompt Rejected': 'PromptsRejected',
  'Avatars Ready': 'GenerationsSucceeded',
  'Generation Failed': 'GenerationsFailed',
  'Request Rejected': 'RequestsRejected',
  'Webhook Endpoint Disabled': 'WebhookEndpointsDisabled',
  'Subject Erased': 'SubjectsErased',
  'Subject Erasure Failed': 'ErasuresFailed',
} as const satisfies Partial<Record<PipelineDetailType, string>>;

export type CountedDetailType = keyof typeof COUNTED_EVENTS;

/** Counters of a family carry a suffix from a closed set (`PromptsRejectedByRule_toxicity`). */
export const COUNTER_FAMILIES = {
  subjectsRejectedBecause: 'SubjectsRejected_',
  promptsRejectedByRule: 'PromptsRejectedByRule_',
  promptsRejectedByLabel: 'PromptsRejectedByLabel_',
} as const;

const PROMPT_RULES: ReadonlySet<string> = new Set(PromptRejected.shape.rule.options);
/** Comprehend's toxic-content labels, and the overall score's name: the only labels that may name a counter. */
const COUNTABLE_LABELS: ReadonlySet<string> = new Set([...TOXICITY_LABELS, OVERALL_TOXICITY_KEY]);

export const isCountedDetailType = (detailType: string): detailType is CountedDetailType =>
  Object.hasOwn(COUNTED_EVENTS, detailType);

/** A count a detail carries, or 0 when it is missing or not a non-negative integer (never NaN in a sum). */
function whole(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

function field(detail: unknown, name: string): unknown {
  return detail !== null && typeof detail === 'object'
    ? (detail as Record<string, unknown>)[name]
    : undefined;
}

/** Why a subject was rejected, as one of a few categories (the reason itself is free text for the person). */
function rejectionCategory(detail: unknown): string {
  if (field(detail, 'folder') !== undefined) return 'folder-name';
  if (whole(field(detail, 'usablePhotoCount')) < whole(field(detail, 'requiredPhotoCount'))) {
    return 'too-few-usable-photos';
  }
  return 'settings-or-content';
}

/** The counters one event adds to; an event of another type adds nothing. */
export function countsOf(detailType: string, detail: unknown): OutcomeCounts {
  if (!isCountedDetailType(detailType)) return {};
  const counts: Record<string, number> = { [COUNTED_EVENTS[detailType]]: 1 };
  if (field(detail, 'mode') === 'dry-run') counts.DryRunEvents = 1;
  switch (detailType) {
    case 'Subject Rejected':
      counts[`${COUNTER_FAMILIES.subjectsRejectedBecause}${rejectionCategory(detail)}`] = 1;
      break;
    case 'Model Ready':
      counts.TrainingSeconds = whole(field(detail, 'trainingSeconds'));
      break;
    case 'Prompt Rejected': {
      const rule = field(detail, 'rule');
      const label = field(detail, 'label');
      if (typeof rule === 'string' && PROMPT_RULES.has(rule)) {
        counts[`${COUNTER_FAMILIES.promptsRejectedByRule}${rule}`] = 1;
      }
      // A deny-list "label" is the word that matched: only Comprehend's labels may name a counter.
      if (rule === 'toxicity' && typeof label === 'string' && COUNTABLE_LABELS.has(label)) {
        counts[`${COUNTER_FAMILIES.promptsRejectedByLabel}${label}`] = 1;
      }
      break;
    }
    case 'Avatars Ready': {
      const imageCounts = field(detail, 'counts');
      counts.ImagesDelivered = whole(field(imageCounts, 'imagesDelivered'));
      counts.ImagesWithheld = whole(field(imageCounts, 'imagesWithheld'));
      counts.ImagesBlocked = whole(field(imageCounts, 'imagesBlocked'));
      break;
    }
  }
  return counts;
}

/** Adds counts up (the day's totals from its events). */
export function sumCounts(all: readonly OutcomeCounts[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const counts of all) {
    for (const [name, value] of Object.entries(counts)) total[name] = (total[name] ?? 0) + value;
  }
  return total;
}

/** The UTC day (`YYYY-MM-DD`) of an instant. */
export const utcDay = (instant: number | string): string => new Date(instant).toISOString().slice(0, 10);
