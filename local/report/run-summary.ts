import { estimateCost, formatUsd } from './cost-estimate.js';
import { currentSet, type SubjectResult, shorten } from './subject-results.js';

export interface SummaryRow {
  subjectId: string;
  outcome: string;
  photos: string;
  model: string;
  prompts: string;
  avatars: string;
  cost: string;
}

/** The outcome column of a subject named only by partner requests. */
export const NO_PHOTOS = 'No photos';

/** One row per subject: its current image set's outcome and counts. */
export function summaryRows(
  subjectIds: readonly string[],
  results: Map<string, SubjectResult>,
): SummaryRow[] {
  return subjectIds.map((subjectId) => {
    const result = results.get(subjectId);
    const set = result ? currentSet(result) : undefined;
    if (!set) {
      return {
        subjectId,
        outcome: result ? NO_PHOTOS : 'NO OUTCOME',
        photos: '',
        model: '',
        prompts: '',
        avatars: '',
        cost: '',
      };
    }
    const used = set.accepted?.photosUsed.length ?? set.rejected?.usablePhotoCount;
    const excluded = (set.accepted ?? set.rejected)?.photosExcluded.length;
    const ready = set.generations.flatMap((g) => (g.avatarsReady ? [g.avatarsReady] : []));
    const rejectedPrompts = set.generations.reduce((sum, g) => sum + g.promptsRejected.length, 0);
    const acceptedPrompts = ready.reduce((sum, r) => sum + r.prompts.length, 0);
    const delivered = ready.reduce((sum, r) => sum + r.counts.imagesDelivered, 0);
    const withheld = ready.reduce((sum, r) => sum + r.counts.imagesWithheld, 0);
    return {
      subjectId,
      outcome: set.outcome ?? 'NO OUTCOME',
      photos: used === undefined ? `${set.received.photos.length} received` : `${used} / ${excluded ?? 0}`,
      model: set.modelReady?.modelVersion ?? (set.trainingStarted ? 'not ready' : '—'),
      prompts: set.generations.length ? `${acceptedPrompts} / ${rejectedPrompts}` : '—',
      avatars: set.generations.length ? `${delivered} / ${withheld}` : '—',
      cost: formatUsd(estimateCost(set).totalUsd),
    };
  });
}

const HEADERS: SummaryRow = {
  subjectId: 'Subject',
  outcome: 'Outcome',
  photos: 'Photos used / excluded',
  model: 'Model',
  prompts: 'Prompts ok / rejected',
  avatars: 'Avatars delivered / withheld',
  cost: 'Est. AWS cost',
};

export function formatTable(rows: SummaryRow[]): string {
  const keys = Object.keys(HEADERS) as (keyof SummaryRow)[];
  const widths = keys.map((key) => Math.max(HEADERS[key].length, ...rows.map((row) => row[key].length)));
  const line = (row: SummaryRow) =>
    keys
      .map((key, i) => row[key].padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(HEADERS), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * What needs a person's attention, per subject: why it was rejected or failed and what to do, each excluded
 * photo with its reason, each rejected prompt. The gallery shows the same with the advice for every photo.
 */
export function attentionLines(subjectIds: readonly string[], results: Map<string, SubjectResult>): string[] {
  const lines: string[] = [];
  for (const subjectId of subjectIds) {
    const result = results.get(subjectId);
    const set = result ? currentSet(result) : undefined;
    if (!set) {
      lines.push(`${subjectId}: no outcome: the folder was never sealed or its workflow did not finish`);
      continue;
    }
    const mine: string[] = [];
    if (set.rejected) mine.push(`rejected: ${set.rejected.reason}`, `  what to do: ${set.rejected.advice}`);
    if (set.processingFailed) {
      mine.push(
        `processing failed at ${set.processingFailed.stage}: ${set.processingFailed.cause}`,
        `  what to do: ${set.processingFailed.advice}`,
      );
    }
    if (set.trainingFailed) {
      mine.push(
        `training failed: ${set.trainingFailed.reason}`,
        `  what to do: ${set.trainingFailed.advice}`,
      );
    }
    for (const photo of (set.accepted ?? set.rejected)?.photosExcluded ?? []) {
      mine.push(`photo ${photo.fileName} excluded: ${shorten(photo.reason, 110)}`);
    }
    for (const generation of set.generations) {
      for (const prompt of generation.promptsRejected) {
        mine.push(
          `prompt rejected (${prompt.rule}): "${shorten(prompt.prompt, 50)}": ${shorten(prompt.reason, 70)}`,
        );
      }
      if (generation.failed) mine.push(`generation failed: ${generation.failed.reason}`);
      for (const p of generation.avatarsReady?.prompts ?? []) {
        for (const image of p.withheld)
          mine.push(`avatar withheld ("${shorten(p.prompt, 40)}"): ${image.reason}`);
      }
    }
    if (mine.length) lines.push(`${subjectId}:`, ...mine.map((line) => `  ${line}`));
  }
  return lines;
}
