import type {
  AvatarsReady,
  GenerationFailed,
  ModelReady,
  PromptRejected,
  RequestRejected,
  SubjectAccepted,
  SubjectProcessingFailed,
  SubjectReceived,
  SubjectRejected,
  TrainingFailed,
  TrainingStarted,
} from '../../events/pipeline-events.js';
import type { EventLog, LoggedEvent, RunMarker } from '../state/event-log.js';

/** Events after which nothing more happens for a subject's image set (or for one generation request). */
export const FINAL_OUTCOMES = new Set([
  'Avatars Ready',
  'Generation Failed',
  'Subject Rejected',
  'Training Failed',
  'Subject Processing Failed',
]);

/** One request for avatars of a model: the first one after `Model Ready`, or a partner's. */
export interface GenerationResult {
  requestedBy: 'model-ready' | 'partner';
  modelVersion?: string;
  correlationId?: string;
  promptsRejected: PromptRejected[];
  avatarsReady?: AvatarsReady;
  failed?: GenerationFailed;
  /** A partner request refused as malformed. */
  rejected?: RequestRejected;
  run?: RunMarker;
}

/** One sealed set of a subject's photos and everything that followed from it. */
export interface ImageSetResult {
  imageSetId: string;
  received: SubjectReceived;
  receivedAt: string;
  run?: RunMarker;
  accepted?: SubjectAccepted;
  rejected?: SubjectRejected;
  processingFailed?: SubjectProcessingFailed;
  trainingStarted?: TrainingStarted;
  trainingFailed?: TrainingFailed;
  modelReady?: ModelReady;
  generations: GenerationResult[];
  /** The last final outcome of this set (see FINAL_OUTCOMES), if it has one. */
  outcome?: string;
}

export interface TimelineEntry {
  time: string;
  type: string;
  summary: string;
  run?: RunMarker;
  imageSetId?: string;
}

export interface SubjectResult {
  subjectId: string;
  /** Oldest first; the last one is the subject's current set. */
  imageSets: ImageSetResult[];
  /** Partner requests that were refused before any model was looked up. */
  requestsRejected: RequestRejected[];
  timeline: TimelineEntry[];
}

export function currentSet(result: SubjectResult): ImageSetResult | undefined {
  return result.imageSets.at(-1);
}

export function outcomeOf(result: SubjectResult | undefined): string | undefined {
  return result ? currentSet(result)?.outcome : undefined;
}

type Detail = Record<string, unknown>;

/**
 * What the events of a data folder say about each subject: its image sets (the last is current), each one's
 * verdicts, model and generations, and a timeline. Only the pipeline's own events and partner requests count.
 */
export function subjectResults(
  log: EventLog,
  options: {
    /**
     * The image set the ledger holds as current, by subject, when it is not the last one received: photos changed
     * back to an earlier set make that set current again without a new execution (its name is used).
     */
    currentImageSets?: ReadonlyMap<string, string>;
  } = {},
): Map<string, SubjectResult> {
  const subjects = new Map<string, SubjectResult>();
  const subject = (subjectId: string) => {
    let found = subjects.get(subjectId);
    if (!found) {
      found = { subjectId, imageSets: [], requestsRejected: [], timeline: [] };
      subjects.set(subjectId, found);
    }
    return found;
  };
  for (const logged of log.events) {
    const { event } = logged;
    const detail = event.detail as Detail;
    const subjectId = typeof detail?.subjectId === 'string' ? detail.subjectId : undefined;
    if (!subjectId) continue;
    const result = subject(subjectId);
    const type = event['detail-type'];
    const set = setFor(result, detail);
    result.timeline.push({
      time: event.time,
      type,
      summary: summarize(type, detail, event.source),
      ...(logged.run ? { run: logged.run } : {}),
      ...(set ? { imageSetId: set.imageSetId } : {}),
    });
    apply(result, logged, type, detail);
  }
  for (const [subjectId, imageSetId] of options.currentImageSets ?? []) {
    const result = subjects.get(subjectId);
    const index = result?.imageSets.findLastIndex((set) => set.imageSetId === imageSetId) ?? -1;
    if (result && index >= 0 && index < result.imageSets.length - 1) {
      const [set] = result.imageSets.splice(index, 1);
      if (set) result.imageSets.push(set);
    }
  }
  return subjects;
}

function apply(result: SubjectResult, logged: LoggedEvent, type: string, detail: Detail): void {
  const run = logged.run ? { run: logged.run } : {};
  if (type === 'Subject Received') {
    result.imageSets.push({
      imageSetId: String(detail.imageSetId),
      received: detail as unknown as SubjectReceived,
      receivedAt: logged.event.time,
      generations: [],
      ...run,
    });
    return;
  }
  const set = setFor(result, detail);
  if (type === 'Request Rejected') {
    const rejected = detail as unknown as RequestRejected;
    const pending = set?.generations.findLast(
      (g) => g.requestedBy === 'partner' && isOpen(g) && g.correlationId === rejected.correlationId,
    );
    if (pending) pending.rejected = rejected;
    else result.requestsRejected.push(rejected);
    return;
  }
  if (!set) return;
  switch (type) {
    case 'Avatar Generation Requested':
      set.generations.push({
        requestedBy: 'partner',
        promptsRejected: [],
        ...(typeof detail.correlationId === 'string' ? { correlationId: detail.correlationId } : {}),
        ...run,
      });
      break;
    case 'Subject Accepted':
      set.accepted = detail as unknown as SubjectAccepted;
      break;
    case 'Subject Rejected':
      set.rejected = detail as unknown as SubjectRejected;
      break;
    case 'Subject Processing Failed':
      set.processingFailed = detail as unknown as SubjectProcessingFailed;
      break;
    case 'Training Started':
      set.trainingStarted = detail as unknown as TrainingStarted;
      break;
    case 'Training Failed':
      set.trainingFailed = detail as unknown as TrainingFailed;
      break;
    case 'Model Ready':
      set.modelReady = detail as unknown as ModelReady;
      break;
    case 'Prompt Rejected':
      openGeneration(set, detail, logged).promptsRejected.push(detail as unknown as PromptRejected);
      break;
    case 'Avatars Ready': {
      const generation = openGeneration(set, detail, logged);
      generation.avatarsReady = detail as unknown as AvatarsReady;
      generation.requestedBy = (detail as unknown as AvatarsReady).requestedBy;
      break;
    }
    case 'Generation Failed':
      openGeneration(set, detail, logged).failed = detail as unknown as GenerationFailed;
      break;
  }
  if (FINAL_OUTCOMES.has(type)) set.outcome = type;
}

/**
 * The image set an event belongs to: by `imageSetId` when it has one, by the model version its `Model Ready`
 * named for generation events, else the subject's current set.
 */
function setFor(result: SubjectResult, detail: Detail): ImageSetResult | undefined {
  if (typeof detail.imageSetId === 'string') {
    return result.imageSets.findLast((set) => set.imageSetId === detail.imageSetId);
  }
  if (typeof detail.modelVersion === 'string') {
    const byModel = result.imageSets.findLast(
      (set) =>
        set.modelReady?.modelVersion === detail.modelVersion ||
        set.trainingStarted?.modelVersion === detail.modelVersion,
    );
    if (byModel) return byModel;
  }
  return result.imageSets.at(-1);
}

/** The generation a prompt rejection or result belongs to: the last unfinished one of the same request. */
function openGeneration(set: ImageSetResult, detail: Detail, logged: LoggedEvent): GenerationResult {
  const correlationId = typeof detail.correlationId === 'string' ? detail.correlationId : undefined;
  const modelVersion = typeof detail.modelVersion === 'string' ? detail.modelVersion : undefined;
  const open = set.generations.findLast(
    (g) =>
      isOpen(g) &&
      g.correlationId === correlationId &&
      (g.modelVersion === undefined || modelVersion === undefined || g.modelVersion === modelVersion),
  );
  if (open) {
    if (modelVersion) open.modelVersion = modelVersion;
    return open;
  }
  const generation: GenerationResult = {
    // The first generation of a model is the one Model Ready starts; later ones (or any with a correlation
    // id) are partners'. Avatars Ready says which for sure.
    requestedBy: set.generations.length === 0 && !correlationId ? 'model-ready' : 'partner',
    promptsRejected: [],
    ...(modelVersion ? { modelVersion } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(logged.run ? { run: logged.run } : {}),
  };
  set.generations.push(generation);
  return generation;
}

function isOpen(generation: GenerationResult): boolean {
  return !generation.avatarsReady && !generation.failed && !generation.rejected;
}

/** One line about an event, for the timeline. */
export function summarize(type: string, d: Detail, source: string): string {
  const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);
  switch (type) {
    case 'Subject Received':
      return `${count(d.photos)} photos sealed as image set ${d.imageSetId} (by ${d.sealedBy})${count(d.ignoredFiles) ? `; ${count(d.ignoredFiles)} folder junk files ignored` : ''}`;
    case 'Subject Accepted':
      return `${count(d.photosUsed)} photos used, ${count(d.photosExcluded)} excluded; ${(d.trainingSet as { imageCount?: number })?.imageCount ?? '?'} training crops`;
    case 'Subject Rejected':
      return String(d.reason);
    case 'Subject Processing Failed':
      return `${d.stage}: ${d.error}: ${d.cause}`;
    case 'Training Started':
      return `model ${d.modelVersion} on ${d.baseModel}, trained by ${d.trainedBy}${Number(d.queuedSeconds) >= 1 ? `, after ${Math.round(Number(d.queuedSeconds))} s in the queue` : ''}`;
    case 'Training Failed':
      return `at ${d.stage}: ${d.reason}`;
    case 'Model Ready':
      return `${d.targetModel} served by ${d.servedBy}`;
    case 'Prompt Rejected':
      return `${d.rule}${d.label ? ` (${d.label})` : ''}: "${shorten(String(d.prompt), 80)}"`;
    case 'Avatars Ready': {
      const c = (d.counts ?? {}) as Record<string, number>;
      return `${c.imagesDelivered} delivered, ${c.imagesWithheld} withheld${d.requestedBy === 'partner' ? ` (partner request${d.correlationId ? ` ${d.correlationId}` : ''})` : ''}`;
    }
    case 'Generation Failed':
      return String(d.reason);
    case 'Request Rejected':
      return `${count(d.errors)} problem(s): ${((d.errors ?? []) as { path: string; message: string }[]).map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`;
    case 'Avatar Generation Requested':
      return `from ${source}${d.correlationId ? ` (${d.correlationId})` : ''}`;
    default:
      return '';
  }
}

export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
