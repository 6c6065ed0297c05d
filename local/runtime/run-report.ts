import type { PublishedEvent } from './local-event-bus.js';

export interface SubjectReport {
  subjectId: string;
  /** The last word on the subject: Model Ready, Subject Rejected, Training Failed or Subject Processing Failed. */
  outcome?: string;
  lines: string[];
}

/** Events after which nothing more happens for a subject's image set. */
export const FINAL_OUTCOMES = new Set([
  'Avatars Ready',
  'Generation Failed',
  'Subject Rejected',
  'Training Failed',
  'Subject Processing Failed',
]);

interface Excluded {
  reason: string;
  advice: string;
}

/** What a person reads at the end of a local run: per subject, each step's event and every photo left out. */
export function reportSubjects(subjectIds: string[], events: PublishedEvent[]): SubjectReport[] {
  return subjectIds.map((subjectId) => {
    const mine = events.filter((event) => event.detail.subjectId === subjectId);
    const lines: string[] = [];
    let outcome: string | undefined;
    for (const event of mine) {
      const type = event['detail-type'];
      const d = event.detail as Record<string, unknown>;
      if (FINAL_OUTCOMES.has(type)) outcome = type;
      const excluded = ((d.photosExcluded ?? []) as Excluded[]).map(
        (p) => `      - ${p.reason}\n          what to do: ${p.advice}`,
      );
      switch (type) {
        case 'Subject Accepted':
          lines.push(
            `  Subject Accepted: ${(d.photosUsed as unknown[]).length} photos used, ${excluded.length} excluded; training set ${(d.trainingSet as { manifestKey: string }).manifestKey}`,
            ...excluded,
          );
          break;
        case 'Subject Rejected':
          lines.push(`  Subject Rejected: ${d.reason}`, `    what to do: ${d.advice}`, ...excluded);
          break;
        case 'Training Started':
          lines.push(
            `  Training Started: model ${d.modelVersion} on ${d.baseModel}, trained by ${d.trainedBy}`,
          );
          break;
        case 'Model Ready':
          lines.push(`  Model Ready: TargetModel ${d.targetModel}, served by ${d.servedBy}`);
          break;
        case 'Training Failed':
          lines.push(
            `  Training Failed at ${d.stage}: ${d.reason} (retrying ${d.retryable ? 'can help' : 'will not help'})`,
            `    what to do: ${d.advice}`,
          );
          break;
        case 'Prompt Rejected':
          lines.push(
            `  Prompt Rejected (${d.rule}${d.label ? `: ${d.label}` : ''}): "${String(d.prompt).slice(0, 70)}"`,
          );
          lines.push(`    ${d.reason}`);
          break;
        case 'Avatars Ready': {
          const prompts = d.prompts as {
            prompt: string;
            delivered: { url: string }[];
            withheld: { reason: string }[];
          }[];
          const counts = d.counts as Record<string, number>;
          lines.push(
            `  Avatars Ready: ${counts.imagesDelivered} delivered, ${counts.imagesWithheld} withheld, ${counts.imagesBlocked} blocked by image screening, ${counts.regenerations} regenerated`,
          );
          for (const prompt of prompts) {
            lines.push(`    "${prompt.prompt.slice(0, 70)}"`);
            for (const image of prompt.delivered) lines.push(`      ${image.url}`);
            for (const image of prompt.withheld) lines.push(`      withheld: ${image.reason}`);
          }
          break;
        }
        case 'Generation Failed':
          lines.push(`  Generation Failed: ${d.reason}`, `    what to do: ${d.advice}`);
          break;
        case 'Subject Processing Failed':
          lines.push(
            `  Subject Processing Failed at ${d.stage}: ${d.error}: ${d.cause}`,
            `    what to do: ${d.advice}`,
          );
          break;
      }
    }
    return { subjectId, ...(outcome ? { outcome } : {}), lines };
  });
}
