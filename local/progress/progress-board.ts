import type { PublishedEvent } from '../runtime/local-event-bus.js';
import type { TaskObservation } from '../runtime/local-pipeline.js';

/** Where one subject stands, in words a person reads (no state names). */
export type Stage =
  | 'waiting'
  | 'dropping'
  | 'waiting to seal'
  | 'validating'
  | 'preparing crops'
  | 'planning'
  | 'queued'
  | 'training'
  | 'deploying'
  | 'warming up'
  | 'screening prompts'
  | 'generating'
  | 'done'
  | 'unchanged';

export interface SubjectProgress {
  subjectId: string;
  stage: Stage;
  files: number;
  /** Files the ledger recorded as new or changed (the others were already there, identical). */
  changedFiles: number;
  photos?: number;
  usable?: number;
  excluded?: number;
  /** 1 = next in line for a training slot. */
  queuePosition?: number;
  avatarsDone: number;
  avatarsTotal?: number;
  promptsRejected: number;
  /** The final outcome event of this run, e.g. `Avatars Ready`. */
  outcome?: string;
}

const TASK_STAGES: Partial<Record<TaskObservation['task'], Stage>> = {
  validateImages: 'validating',
  prepareTrainingSet: 'preparing crops',
  planTraining: 'planning',
  startTraining: 'training',
  deployModel: 'deploying',
  warmUpModel: 'warming up',
  registerModel: 'warming up',
  prepareGeneration: 'screening prompts',
  screenPrompts: 'screening prompts',
  generateScreenedImage: 'generating',
  compileAvatars: 'generating',
};

const FINAL = new Set([
  'Avatars Ready',
  'Generation Failed',
  'Subject Rejected',
  'Training Failed',
  'Subject Processing Failed',
]);

/**
 * The progress of every subject of a run, from the ingest outcomes, the tasks the workflows run and the events
 * they publish. It only counts; a view decides how to show it.
 */
export class ProgressBoard {
  private readonly subjects = new Map<string, SubjectProgress>();

  constructor(
    subjectIds: readonly string[],
    private readonly onChange: (subject: SubjectProgress) => void = () => {},
  ) {
    for (const subjectId of subjectIds) {
      this.subjects.set(subjectId, {
        subjectId,
        stage: 'waiting',
        files: 0,
        changedFiles: 0,
        avatarsDone: 0,
        promptsRejected: 0,
      });
    }
  }

  get all(): SubjectProgress[] {
    return [...this.subjects.values()];
  }

  get(subjectId: string): SubjectProgress | undefined {
    return this.subjects.get(subjectId);
  }

  /** One file of the subject was dropped; `changed` when the ledger recorded it (new or different content). */
  fileDropped(subjectId: string, changed: boolean): void {
    this.update(subjectId, (s) => {
      s.files++;
      if (changed) s.changedFiles++;
      s.stage = 'dropping';
    });
  }

  /** The drop of the subject's folder is over. */
  folderDropped(subjectId: string): void {
    this.update(subjectId, (s) => {
      if (s.stage === 'dropping') s.stage = s.changedFiles === 0 ? 'unchanged' : 'waiting to seal';
    });
  }

  /**
   * Everything has run. A folder that changed but started nothing holds a set of photos processed before (its
   * execution name is used): nothing new for it either.
   */
  settled(): void {
    for (const subject of this.subjects.values()) {
      if (subject.stage === 'waiting to seal') this.update(subject.subjectId, (s) => (s.stage = 'unchanged'));
    }
  }

  task(observation: TaskObservation): void {
    const subjectId = findSubjectId(observation.input);
    if (!subjectId) return;
    this.update(subjectId, (s) => {
      if (s.outcome) return;
      const { task, phase, output } = observation;
      if (phase === 'started') {
        const stage = TASK_STAGES[task];
        if (stage) s.stage = stage;
        if (task === 'startTraining') delete s.queuePosition;
        return;
      }
      if (phase !== 'succeeded') return;
      if (task === 'acquireTrainingSlot') {
        const decision = output as { acquired: boolean; position?: number };
        if (decision.acquired) {
          delete s.queuePosition;
          s.stage = 'training';
        } else {
          s.stage = 'queued';
          s.queuePosition = (decision.position ?? 0) + 1;
        }
      }
      if (task === 'screenPrompts') {
        const screening = output as { jobs?: unknown[]; rejected?: unknown[] };
        s.avatarsTotal = (s.avatarsTotal ?? 0) + (screening.jobs?.length ?? 0);
        s.stage = 'generating';
      }
      if (task === 'generateScreenedImage') s.avatarsDone++;
    });
  }

  event(event: PublishedEvent): void {
    const d = event.detail as Record<string, unknown>;
    const subjectId = typeof d?.subjectId === 'string' ? d.subjectId : undefined;
    if (!subjectId) return;
    const type = event['detail-type'];
    this.update(subjectId, (s) => {
      const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);
      switch (type) {
        case 'Subject Received':
          // A new image set starts over (a partner's request does not).
          Object.assign(s, {
            stage: 'validating',
            photos: count(d.photos),
            avatarsDone: 0,
            promptsRejected: 0,
          });
          delete s.outcome;
          delete s.avatarsTotal;
          delete s.usable;
          delete s.excluded;
          break;
        case 'Subject Accepted':
          s.usable = count(d.photosUsed);
          s.excluded = count(d.photosExcluded);
          s.stage = 'planning';
          break;
        case 'Subject Rejected':
          s.usable = Number(d.usablePhotoCount);
          s.excluded = count(d.photosExcluded);
          break;
        case 'Training Started':
          s.stage = 'training';
          delete s.queuePosition;
          break;
        case 'Model Ready':
          s.stage = 'screening prompts';
          break;
        case 'Prompt Rejected':
          s.promptsRejected++;
          break;
        case 'Avatars Ready': {
          const counts = d.counts as { imagesDelivered: number; imagesWithheld: number };
          s.avatarsDone = counts.imagesDelivered + counts.imagesWithheld;
          s.avatarsTotal = s.avatarsDone;
          break;
        }
      }
      if (FINAL.has(type)) {
        s.outcome = type;
        s.stage = 'done';
      }
    });
  }

  private update(subjectId: string, change: (subject: SubjectProgress) => void): void {
    const subject = this.subjects.get(subjectId);
    if (!subject) return;
    change(subject);
    this.onChange(subject);
  }
}

/** The subject a task works for: every task input names it (`subjectId`, at most a few levels down). */
export function findSubjectId(value: unknown, depth = 0): string | undefined {
  if (value === null || typeof value !== 'object' || depth > 3) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.subjectId === 'string') return record.subjectId;
  for (const nested of Object.values(record)) {
    if (nested !== null && typeof nested === 'object' && !Array.isArray(nested)) {
      const found = findSubjectId(nested, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}
