import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DEFAULT_TENANT_ID } from '../../events/identifiers.js';
import { EVENT_SOURCE, parsePipelineEventDetail } from '../../events/pipeline-events.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './template-tokens.js';

export interface PublishedEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: unknown;
  EventBusName?: string;
}

/**
 * The project's event bus, locally: every event becomes one JSON line in `events.jsonl`, in the envelope
 * EventBridge delivers to rule targets (which does not name the bus). Each detail is checked against its published schema first, so a
 * workflow that would publish a malformed event fails here, not in a partner's system.
 */
export class LocalEventBus {
  readonly published: PublishedEvent[] = [];
  private writes: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly onEvent: (event: PublishedEvent) => void = () => {},
  ) {}

  async putEvents(
    entries: PutEventsEntry[],
  ): Promise<{ Entries: { EventId: string }[]; FailedEntryCount: number }> {
    const events = entries.map((entry) => {
      const detail = typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : entry.Detail;
      // Our own events must match their published schema; a partner's are delivered as sent (EventBridge does not
      // validate them either: the generation workflow does, and answers Request Rejected).
      if (entry.Source === EVENT_SOURCE) parsePipelineEventDetail(entry.DetailType, detail);
      const event: PublishedEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: LOCAL_ACCOUNT,
        time: new Date().toISOString(),
        region: LOCAL_REGION,
        resources: [],
        detail,
      };
      return event;
    });
    // Appends are serialized so concurrent executions never interleave half lines.
    this.writes = this.writes.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    });
    await this.writes;
    for (const event of events) {
      this.published.push(event);
      if (event.source === EVENT_SOURCE && event['detail-type'] === 'Subject Erased')
        await this.forgetSubject(event);
      this.onEvent(event);
    }
    return { Entries: events.map((event) => ({ EventId: event.id })), FailedEntryCount: 0 };
  }

  /**
   * EventBridge keeps no events (an archive, where a deployer adds one, is theirs to erase); this file does, so
   * once a subject is erased its earlier events (photo keys, prompts, avatar keys) leave it, and its Subject Erased
   * events stay as the record. Other lines (run markers, other subjects) are kept as they are.
   */
  private async forgetSubject(erased: PublishedEvent): Promise<void> {
    const tenantId = (erased.detail.tenantId as string | undefined) ?? DEFAULT_TENANT_ID;
    const subjectId = erased.detail.subjectId;
    // Every Subject Erased of the subject stays: the record that each erasure was done.
    const isSubjects = (event: { 'detail-type'?: unknown; detail?: Record<string, unknown> }) =>
      event['detail-type'] !== 'Subject Erased' &&
      event.detail?.subjectId === subjectId &&
      ((event.detail?.tenantId as string | undefined) ?? DEFAULT_TENANT_ID) === tenantId;
    this.writes = this.writes.then(async () => {
      const lines = (await readFile(this.file, 'utf8')).split('\n').filter((line) => line.trim() !== '');
      const kept = lines.flatMap((line) => {
        try {
          const event = JSON.parse(line) as PublishedEvent;
          if (isSubjects(event)) return [];
          // A run marker lists the folders it dropped: the erased subject's name leaves that list too.
          const subjects = event.detail?.subjects;
          if (tenantId === DEFAULT_TENANT_ID && Array.isArray(subjects) && subjects.includes(subjectId)) {
            const detail = { ...event.detail, subjects: subjects.filter((s) => s !== subjectId) };
            return [JSON.stringify({ ...event, detail })];
          }
          return [line];
        } catch {
          return [line];
        }
      });
      await writeFile(this.file, kept.map((line) => `${line}\n`).join(''));
    });
    await this.writes;
    const kept = this.published.filter((event) => !isSubjects(event));
    this.published.splice(0, this.published.length, ...kept);
  }
}
