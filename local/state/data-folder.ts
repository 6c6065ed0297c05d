import {
  appendFileSync,
  closeSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The data folder of local mode (`--data`, default `.local-data`): everything a local pipeline keeps between
 * runs, so that the same photos dropped again are recognised as nothing new and a later partner event finds the
 * models trained before.
 *
 *   bucket/            the ingest bucket as a folder (photos, training sets, model packages, avatars)
 *   events.jsonl       the event bus: every event in EventBridge's envelope; each run opens with a marker line
 *   state/dynamo/      every DynamoDB table of the stack (ledger, training queue, model registry), LevelDB
 *   state/sequencer    the last S3 `sequencer` number handed out, so object events stay ordered across runs
 *   state/executions.jsonl  every execution name used, single-use across runs as on AWS
 *   state/tables.json  which table is which, so `status` can read them without synthesizing the stack
 *   state/lock         the process using the folder now
 *   report/            the results gallery (index.html and its thumbnails)
 *   samples/           the generated sample subjects, when no --input is given
 */
export class DataFolder {
  constructor(readonly root: string) {}

  get bucket(): string {
    return join(this.root, 'bucket');
  }
  get events(): string {
    return join(this.root, 'events.jsonl');
  }
  get state(): string {
    return join(this.root, 'state');
  }
  get dynamo(): string {
    return join(this.state, 'dynamo');
  }
  get sequencerFile(): string {
    return join(this.state, 'sequencer');
  }
  get executionsFile(): string {
    return join(this.state, 'executions.jsonl');
  }
  get tablesFile(): string {
    return join(this.state, 'tables.json');
  }
  get lockFile(): string {
    return join(this.state, 'lock');
  }
  get report(): string {
    return join(this.root, 'report');
  }
  get reportIndex(): string {
    return join(this.report, 'index.html');
  }
  get samples(): string {
    return join(this.root, 'samples');
  }

  async prepare(): Promise<void> {
    await mkdir(this.state, { recursive: true });
  }

  /**
   * Takes the folder for this process: LevelDB (and the ledger's sense of order) allow one process at a time.
   * A lock left by a process that no longer runs is taken over. Returns the release function.
   */
  lock(): () => void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockFile, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          process.off('exit', release);
          try {
            unlinkSync(this.lockFile);
          } catch {
            // Already gone.
          }
        };
        process.on('exit', release);
        return release;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = this.lockHolder();
        if (holder !== undefined) throw new DataFolderBusyError(this.root, holder);
        unlinkSync(this.lockFile);
      }
    }
    throw new DataFolderBusyError(this.root, undefined);
  }

  /** The pid of a running process that holds the folder, if any. */
  lockHolder(): number | undefined {
    let pid: number;
    try {
      pid = Number(readFileSync(this.lockFile, 'utf8'));
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch (error) {
      // EPERM: it runs, as another user.
      return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
    }
  }

  readTables(): LocalTables | undefined {
    try {
      return JSON.parse(readFileSync(this.tablesFile, 'utf8')) as LocalTables;
    } catch {
      return undefined;
    }
  }

  writeTables(tables: LocalTables): void {
    writeFileSync(this.tablesFile, `${JSON.stringify(tables, null, 2)}\n`);
  }
}

/** The stack's tables by role, as the functions' environment names them. */
export interface LocalTables {
  ledger: string;
  trainingState: string;
  modelRegistry: string;
}

export class DataFolderBusyError extends Error {
  override name = 'DataFolderBusyError';
  constructor(
    readonly root: string,
    readonly pid: number | undefined,
  ) {
    super(
      `${root} is in use by another local run${pid ? ` (process ${pid})` : ''}; wait for it to finish or pass another --data folder`,
    );
  }
}

/**
 * S3 `sequencer` numbers that keep growing across runs of one data folder: the last one is written to a file
 * each time one is handed out (a few bytes; a local run drops at most a few hundred objects).
 */
export class PersistentSequencer {
  private last: bigint;

  constructor(private readonly file: string) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch {
      // First run in this folder.
    }
    this.last = /^\d+$/.test(text) ? BigInt(text) : 0n;
  }

  next(): bigint {
    this.last += 1n;
    writeFileSync(this.file, `${this.last}\n`);
    return this.last;
  }
}

/**
 * The execution names of every run in this data folder (`state/executions.jsonl`, one line per start): a Standard
 * workflow's names are single-use, so a set of photos that comes back (a photo changed, then changed back) is not
 * trained twice, as on AWS.
 */
export class PersistentExecutionNames {
  private readonly names = new Set<string>();

  constructor(private readonly file: string) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // First run in this folder.
    }
    for (const line of text.split('\n')) {
      try {
        const { workflow, name } = JSON.parse(line) as { workflow: string; name: string };
        this.names.add(`${workflow}\n${name}`);
      } catch {
        // Empty or half-written line.
      }
    }
  }

  has(workflow: string, name: string): boolean {
    return this.names.has(`${workflow}\n${name}`);
  }

  /** Drops the names `erased` says belong to an erased subject (their incarnation keeps new names unique). */
  forget(erased: (workflow: string, name: string) => boolean): number {
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return 0;
    }
    let forgotten = 0;
    const kept = text.split('\n').filter((line) => {
      try {
        const { workflow, name } = JSON.parse(line) as { workflow: string; name: string };
        if (!erased(workflow, name)) return true;
        this.names.delete(`${workflow}\n${name}`);
        forgotten++;
        return false;
      } catch {
        return false;
      }
    });
    writeFileSync(this.file, kept.map((line) => `${line}\n`).join(''));
    return forgotten;
  }

  add(workflow: string, name: string): void {
    this.names.add(`${workflow}\n${name}`);
    appendFileSync(this.file, `${JSON.stringify({ workflow, name, startedAt: new Date().toISOString() })}\n`);
  }
}
