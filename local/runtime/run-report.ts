import type { PublishedEvent } from './local-event-bus.js';

export interface SubjectReport {
  subjectId: string;
  outcome?: string;
  summary?: string;
  details: string[];
}

interface Excluded {
  fileName: string;
  reason: string;
  advice: string;
}

/** What a person reads at the end of a local run: per subject, the outcome and every photo left out. */
export function reportSubjects(subjectIds: string[], outcomes: Map<string, PublishedEvent>): SubjectReport[] {
  return subjectIds.map((subjectId) => {
    const event = outcomes.get(subjectId);
    if (!event) return { subjectId, details: ['no outcome event was published'] };
    const detail = event.detail as {
      photosUsed?: unknown[];
      photosExcluded?: Excluded[];
      reason?: string;
      advice?: string;
      error?: string;
      cause?: string;
      trainingSet?: { manifestKey: string };
    };
    const excluded = (detail.photosExcluded ?? []).map(
      (p) => `- ${p.reason}\n        what to do: ${p.advice}`,
    );
    switch (event['detail-type']) {
      case 'Subject Accepted':
        return {
          subjectId,
          outcome: event['detail-type'],
          summary: `${detail.photosUsed?.length ?? 0} photos used, ${excluded.length} excluded; manifest ${detail.trainingSet?.manifestKey}`,
          details: excluded,
        };
      case 'Subject Rejected':
        return {
          subjectId,
          outcome: event['detail-type'],
          summary: `${detail.reason}\n    what to do: ${detail.advice}`,
          details: excluded,
        };
      default:
        return {
          subjectId,
          outcome: event['detail-type'],
          summary: `${detail.error}: ${detail.cause}`,
          details: [],
        };
    }
  });
}
