import { styleText } from 'node:util';
import { createLogUpdate } from 'log-update';
import type { ProgressBoard, SubjectProgress } from './progress-board.js';

/**
 * How a run shows its progress:
 * - `live` (a terminal): one line per subject, redrawn in place (log-update), until the final table;
 * - `plain` (a pipe, a CI log): one line per subject when it is done, never interleaved;
 * - `quiet`: nothing until the summary.
 */
export type ProgressMode = 'live' | 'plain' | 'quiet';

export interface ProgressView {
  /** The board changed for this subject. */
  changed(subject: SubjectProgress): void;
  /** A line that must stay on screen (above the live lines). */
  log(line: string): void;
  /** Draws the last state and leaves it on screen; prints the subjects not printed yet (plain mode). */
  finish(): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createProgressView(
  mode: ProgressMode,
  board: ProgressBoard,
  stream: NodeJS.WriteStream = process.stdout,
): ProgressView {
  if (mode === 'quiet') return { changed: () => {}, log: () => {}, finish: () => {} };
  const width = Math.max(...board.all.map((s) => s.subjectId.length), 7);
  if (mode === 'plain') {
    const printed = new Set<string>();
    const print = (subject: SubjectProgress) => {
      printed.add(subject.subjectId);
      stream.write(`${formatProgressLine(subject, width, stream)}\n`);
    };
    return {
      changed: (subject) => {
        if (!printed.has(subject.subjectId) && (subject.outcome || subject.stage === 'unchanged'))
          print(subject);
      },
      log: (line) => stream.write(`${line}\n`),
      finish: () => {
        for (const subject of board.all) if (!printed.has(subject.subjectId)) print(subject);
      },
    };
  }
  const render = createLogUpdate(stream, { showCursor: false });
  let frame = 0;
  let scheduled: NodeJS.Timeout | undefined;
  // Once finished, the lines belong to the terminal: a late change must not draw a second copy below them.
  let finished = false;
  const columns = () => stream.columns ?? 120;
  const draw = () => {
    scheduled = undefined;
    if (finished) return;
    render(
      board.all
        .map((s) =>
          fitToWidth(formatProgressLine(s, width, stream, SPINNER[frame % SPINNER.length]), columns()),
        )
        .join('\n'),
    );
  };
  const spinner = setInterval(() => {
    frame++;
    draw();
  }, 100);
  spinner.unref();
  return {
    changed: () => {
      // Many changes arrive within a millisecond: draw at most every 50 ms.
      scheduled ??= setTimeout(draw, 50);
    },
    log: (line) => {
      if (finished) {
        stream.write(`${line}\n`);
        return;
      }
      render.clear();
      stream.write(`${line}\n`);
      draw();
    },
    finish: () => {
      clearInterval(spinner);
      if (scheduled) clearTimeout(scheduled);
      draw();
      finished = true;
      render.done();
    },
  };
}

/** `✔ good-ana   avatars ready      12 usable, 1 excluded   trained   avatars 8/8` and the like. */
export function formatProgressLine(
  s: SubjectProgress,
  subjectWidth: number,
  stream: NodeJS.WriteStream = process.stdout,
  spinnerFrame = '·',
): string {
  const color = (format: Parameters<typeof styleText>[0], text: string) =>
    styleText(format, text, { stream, validateStream: true });
  const icon = s.outcome
    ? s.outcome === 'Avatars Ready'
      ? color('green', '✔')
      : s.outcome === 'Subject Rejected'
        ? color('yellow', '✗')
        : color('red', '!')
    : s.stage === 'unchanged'
      ? color('dim', '=')
      : color('cyan', spinnerFrame);
  const stage = s.outcome ? s.outcome.toLowerCase() : s.stage === 'unchanged' ? 'nothing new' : s.stage;
  const photos =
    s.usable !== undefined
      ? `${s.usable} usable, ${s.excluded ?? 0} excluded`
      : s.photos !== undefined
        ? `${s.photos} photos`
        : s.files > 0
          ? `${s.files} files`
          : '';
  const queue = s.queuePosition !== undefined ? `queue #${s.queuePosition}` : '';
  const avatars =
    s.avatarsTotal !== undefined
      ? `avatars ${s.avatarsDone}/${s.avatarsTotal}`
      : s.avatarsDone
        ? `avatars ${s.avatarsDone}`
        : '';
  const prompts = s.promptsRejected
    ? `${s.promptsRejected} prompt${s.promptsRejected > 1 ? 's' : ''} rejected`
    : '';
  return [
    `${icon} ${s.subjectId.padEnd(subjectWidth)}`,
    stage.padEnd(18),
    photos.padEnd(22),
    queue.padEnd(9),
    avatars.padEnd(12),
    prompts,
  ]
    .join('  ')
    .trimEnd();
}

/** Cuts a line to the terminal's width, so a redraw never wraps (and never leaves half lines behind). */
function fitToWidth(line: string, columns: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes take no columns.
  const visible = line.replace(/\u001b\[[0-9;]*m/g, '');
  if (visible.length < columns) return line;
  return `${visible.slice(0, Math.max(0, columns - 2))}…`;
}
