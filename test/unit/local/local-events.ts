import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PublishedEvent } from '../../../local/runtime/local-event-bus.js';
import {
  type EventLog,
  RUN_MARKER_SOURCE,
  RUN_MARKER_TYPE,
  type RunMarker,
} from '../../../local/state/event-log.js';

const samples = fileURLToPath(new URL('../../../events/samples/v1/', import.meta.url));

/** A published sample event (events/samples/v1) with its detail changed as a test needs. */
export function sampleEvent(
  name: string,
  detail: Record<string, unknown> = {},
  time?: string,
): PublishedEvent {
  const event = JSON.parse(readFileSync(join(samples, `${name}.json`), 'utf8')) as PublishedEvent;
  return { ...event, ...(time ? { time } : {}), detail: { ...event.detail, ...detail } };
}

export function marker(run: RunMarker): PublishedEvent {
  return {
    version: '0',
    id: `marker-${run.number}`,
    'detail-type': RUN_MARKER_TYPE,
    source: RUN_MARKER_SOURCE,
    account: '000000000000',
    time: run.startedAt,
    region: 'local',
    resources: [],
    detail: run as unknown as Record<string, unknown>,
  };
}

/** An event log as readEventLog would return it for these lines, markers included. */
export function eventLog(lines: PublishedEvent[]): EventLog {
  const log: EventLog = { runs: [], events: [], unreadableLines: 0, lines: lines.length };
  let run: RunMarker | undefined;
  lines.forEach((event, index) => {
    if (event.source === RUN_MARKER_SOURCE) {
      run = event.detail as unknown as RunMarker;
      log.runs.push(run);
    } else {
      log.events.push({ event, line: index + 1, ...(run ? { run } : {}) });
    }
  });
  return log;
}

export const RUN_1: RunMarker = {
  runId: 'run-1',
  number: 1,
  command: 'run',
  startedAt: '2026-11-25T10:00:00.000Z',
};
export const RUN_2: RunMarker = {
  runId: 'run-2',
  number: 2,
  command: 'send-event',
  startedAt: '2026-11-25T11:00:00.000Z',
};
