import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PublishedEvent } from '../runtime/local-event-bus.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../runtime/template-tokens.js';

/**
 * `events.jsonl` holds every event of every run in one data folder. Each run (and each `send-event`) opens with
 * one marker line in the same envelope, from a source of its own (`local.avatar-pipeline`), so that the events
 * of a run are the lines between its marker and the next one, and a consumer that reads only the pipeline's
 * events (`source = avatar-pipeline`) is not disturbed.
 */
export const RUN_MARKER_SOURCE = 'local.avatar-pipeline';
export const RUN_MARKER_TYPE = 'Local Run Started';

export interface RunMarker {
  runId: string;
  /** 1 for the first run in this data folder. */
  number: number;
  command: 'run' | 'send-event' | 'erase';
  startedAt: string;
  /** `run`: the input folder and its subjects. */
  input?: string;
  subjects?: string[];
}

export interface LoggedEvent {
  event: PublishedEvent;
  /** The run whose marker precedes the event (none for lines written before markers existed). */
  run?: RunMarker;
  /** 1-based line in events.jsonl. */
  line: number;
}

export interface EventLog {
  runs: RunMarker[];
  /** Every event but the markers, in file order. */
  events: LoggedEvent[];
  /** Lines that are not JSON events (a run killed in mid-write); they are skipped. */
  unreadableLines: number;
  /** Lines in the file (markers included). */
  lines: number;
}

export async function readEventLog(file: string): Promise<EventLog> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const log: EventLog = { runs: [], events: [], unreadableLines: 0, lines: 0 };
  let run: RunMarker | undefined;
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    log.lines = index + 1;
    let event: PublishedEvent;
    try {
      event = JSON.parse(line) as PublishedEvent;
    } catch {
      log.unreadableLines++;
      continue;
    }
    if (typeof event !== 'object' || event === null || typeof event['detail-type'] !== 'string') {
      log.unreadableLines++;
      continue;
    }
    if (isRunMarker(event)) {
      run = event.detail as unknown as RunMarker;
      log.runs.push(run);
      continue;
    }
    log.events.push({ event, line: index + 1, ...(run ? { run } : {}) });
  }
  return log;
}

export function isRunMarker(event: PublishedEvent): boolean {
  return event.source === RUN_MARKER_SOURCE && event['detail-type'] === RUN_MARKER_TYPE;
}

/** Starts a run: its number follows the last run of the log. */
export function nextRun(
  log: EventLog,
  run: Omit<RunMarker, 'runId' | 'number' | 'startedAt'>,
  now = new Date(),
): RunMarker {
  const number = (log.runs.at(-1)?.number ?? 0) + 1;
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return { runId: `run-${number}-${stamp}`, number, startedAt: now.toISOString(), ...run };
}

export async function appendRunMarker(file: string, run: RunMarker): Promise<void> {
  const marker: PublishedEvent = {
    version: '0',
    id: randomUUID(),
    'detail-type': RUN_MARKER_TYPE,
    source: RUN_MARKER_SOURCE,
    account: LOCAL_ACCOUNT,
    time: run.startedAt,
    region: LOCAL_REGION,
    resources: [],
    detail: run as unknown as Record<string, unknown>,
  };
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify(marker)}\n`);
}
