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

/** Short headers: the table fits a 100-column terminal. */
const HEADERS: SummaryRow = {
  subjectId: 'Subject',
  outcome: 'Outcome',
  photos: 'Photos used/excl.',
  model: 'Model',
  prompts: 'Prompts ok/rej.',
  avatars: 'Avatars ok/withheld',
  cost: 'AWS est.',
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
export function attentionLines(
  subjectIds: readonly string[],
  results: Map<string, SubjectResult>,
  width = 100,
): string[] {
  // Each line is indented by 4 in the output; reasons are cut to one line, advice is wrapped.
  const room = Math.max(40, width - 4);
  const one = (text: string) => shorten(text, room);
  const lines: string[] = [];
  for (const subjectId of subjectIds) {
    const result = results.get(subjectId);
    const set = result ? currentSet(result) : undefined;
    if (!set) {
      lines.push(`${subjectId}: no outcome: the folder was never sealed or its workflow did not finish`);
      continue;
    }
    const mine: string[] = [];
    const explain = (what: string, advice: string) =>
      mine.push(...wrap(what, room), ...wrap(`what to do: ${advice}`, room - 2).map((l) => `  ${l}`));
    if (set.rejected) explain(`rejected: ${set.rejected.reason}`, set.rejected.advice);
    if (set.processingFailed) {
      explain(
        `processing failed at ${set.processingFailed.stage}: ${set.processingFailed.cause}`,
        set.processingFailed.advice,
      );
    }
    if (set.trainingFailed)
      explain(`training failed: ${set.trainingFailed.reason}`, set.trainingFailed.advice);
    for (const photo of (set.accepted ?? set.rejected)?.photosExcluded ?? []) {
      mine.push(one(`${photo.fileName} excluded (${photo.code}): ${photo.reason}`));
    }
    for (const generation of set.generations) {
      for (const prompt of generation.promptsRejected) {
        mine.push(one(`prompt rejected (${prompt.rule}): "${shorten(prompt.prompt, 40)}": ${prompt.reason}`));
      }
      if (generation.failed)
        explain(`generation failed: ${generation.failed.reason}`, generation.failed.advice);
      for (const p of generation.avatarsReady?.prompts ?? []) {
        for (const image of p.withheld)
          mine.push(one(`avatar withheld ("${shorten(p.prompt, 40)}"): ${image.reason}`));
      }
    }
    if (mine.length) lines.push(`${subjectId}:`, ...mine.map((line) => `  ${line}`));
  }
  return lines;
}

/** Word-wraps a paragraph to lines of at most `width` characters. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
