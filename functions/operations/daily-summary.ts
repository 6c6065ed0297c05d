import type { DailyOutcomes } from './daily-outcomes.js';
import type { OperatorNotices } from './operator-notices.js';
import { COUNTER_FAMILIES, sumCounts, utcDay } from './outcome-counts.js';

export interface DailySummaryDeps {
  outcomes: DailyOutcomes;
  notices: OperatorNotices;
  /** The dashboard operators open for more (`<stack>-operations`). */
  dashboardName: string;
}

/** Which day to summarise: the day before a scheduled event's time, or a day named to send again. */
export type DailySummaryRequest = { scheduledAt: string } | { day: string };

const DAY_MS = 86_400_000;

export function dayToSummarise(request: DailySummaryRequest): string {
  return 'day' in request ? request.day : utcDay(Date.parse(request.scheduledAt) - DAY_MS);
}

const n = (value: number | undefined) => (value ?? 0).toLocaleString('en-US');

/** The members of a counter family with their counts, largest first: "2 deny-list, 1 toxicity". */
function family(totals: Record<string, number>, prefix: string): string {
  const members = Object.entries(totals)
    .filter(([name, value]) => name.startsWith(prefix) && value > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([name, value]) => `${n(value)} ${name.slice(prefix.length).replaceAll('-', ' ').toLowerCase()}`);
  return members.length ? ` (${members.join(', ')})` : '';
}

/**
 * The summary of one day, as plain text for e-mail: counts only, never a subject id, a prompt, a reason's text
 * or a link (the topic's subscribers are people outside the tenants' trust).
 */
export function dailySummaryText(
  day: string,
  events: number,
  totals: Record<string, number>,
  dashboardName: string,
): { subject: string; message: string } {
  const t = (name: string) => totals[name];
  const subject = `Avatar pipeline ${day}: ${n(t('SubjectsAccepted'))} subjects accepted, ${n(t('ModelsReady'))} models, ${n(t('ImagesDelivered'))} avatars`;
  const lines = [
    `Avatar pipeline, ${day} (UTC): ${n(events)} outcome events.`,
    '',
    `Subjects: ${n(t('SubjectsReceived'))} received, ${n(t('SubjectsAccepted'))} accepted, ${n(t('SubjectsRejected'))} rejected${family(totals, COUNTER_FAMILIES.subjectsRejectedBecause)}, ${n(t('SubjectsFailed'))} failed, ${n(t('ImageSetsSuperseded'))} superseded by a newer drop.`,
    `Training: ${n(t('TrainingsStarted'))} started, ${n(t('ModelsReady'))} models ready, ${n(t('TrainingsFailed'))} failed; ${n(t('TrainingSeconds'))} seconds of GPU training.`,
    `Generation: ${n(t('GenerationsSucceeded'))} succeeded, ${n(t('GenerationsFailed'))} failed, ${n(t('RequestsRejected'))} requests rejected; ${n(t('ImagesDelivered'))} avatars delivered, ${n(t('ImagesWithheld'))} withheld (${n(t('ImagesBlocked'))} blocked by image screening); ${n(t('PromptsRejected'))} prompts rejected${family(totals, COUNTER_FAMILIES.promptsRejectedByRule)}.`,
    `Webhooks: ${n(t('WebhookEndpointsDisabled'))} endpoints disabled.`,
    `Erasure: ${n(t('SubjectsErased'))} subjects erased, ${n(t('ErasuresFailed'))} erasures failed.`,
    `Dry runs (included above): ${n(t('DryRunEvents'))} events.`,
    '',
    `Counts only: no subject ids, prompts or links. Alarms come to this topic on their own; the dashboard ${dashboardName} shows the day by the hour.`,
  ];
  return { subject, message: lines.join('\n') };
}

/** Sends the day's summary to the operators' topic; a day without events is sent too (the pipeline is alive). */
export async function sendDailySummary(
  request: DailySummaryRequest,
  deps: DailySummaryDeps,
): Promise<{ day: string; events: number; totals: Record<string, number> }> {
  const day = dayToSummarise(request);
  const all = await deps.outcomes.countsOfDay(day);
  const totals = sumCounts(all);
  const { subject, message } = dailySummaryText(day, all.length, totals, deps.dashboardName);
  await deps.notices.publish(subject, message);
  return { day, events: all.length, totals };
}
