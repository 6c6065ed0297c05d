import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataFolder,
  DataFolderBusyError,
  PersistentExecutionNames,
  PersistentSequencer,
} from '../../../local/state/data-folder.js';
import { appendRunMarker, nextRun, readEventLog } from '../../../local/state/event-log.js';

describe('the data folder of local mode', () => {
  let root: string;
  let data: DataFolder;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'data-folder-'));
    data = new DataFolder(root);
    await data.prepare();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('hands out S3 sequencers that keep growing across processes', () => {
    // Prepare
    const first = new PersistentSequencer(data.sequencerFile);
    const firstRun = [first.next(), first.next(), first.next()];

    // Act
    const secondRun = [new PersistentSequencer(data.sequencerFile).next()];

    // Assess
    expect(firstRun).toEqual([1n, 2n, 3n]);
    expect(secondRun).toEqual([4n]);
  });

  it('lets one process at a time use it, and takes over the lock of a process that has ended', async () => {
    // Prepare
    const ended = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    await writeFile(data.lockFile, ended);

    // Act
    const release = data.lock();
    await writeFile(data.lockFile, String(process.ppid));
    const second = () => data.lock();

    // Assess
    expect(second).toThrow(DataFolderBusyError);
    expect(second).toThrow(/in use by another local run \(process \d+\)/);
    await writeFile(data.lockFile, String(process.pid));
    release();
    await expect(readFile(data.lockFile)).rejects.toThrow(/ENOENT/);
  });

  it('opens each run with a marker line and tells every later event which run it belongs to', async () => {
    // Prepare
    const first = nextRun(await readEventLog(data.events), { command: 'run', subjects: ['ana'] });
    await appendRunMarker(data.events, first);
    await writeFile(
      data.events,
      `${await readFile(data.events, 'utf8')}${JSON.stringify({ 'detail-type': 'Subject Received', source: 'avatar-pipeline', detail: { subjectId: 'ana' } })}\n{"half a line\n`,
    );
    const second = nextRun(await readEventLog(data.events), { command: 'send-event' });
    await appendRunMarker(data.events, second);

    // Act
    const log = await readEventLog(data.events);

    // Assess
    expect(log.runs.map((r) => [r.number, r.command])).toEqual([
      [1, 'run'],
      [2, 'send-event'],
    ]);
    expect(log.events.map((e) => [e.event['detail-type'], e.run?.number])).toEqual([['Subject Received', 1]]);
    expect(log.unreadableLines).toBe(1);
  });

  it('remembers the execution names of earlier runs, per workflow, as Step Functions does', () => {
    // Prepare
    new PersistentExecutionNames(data.executionsFile).add('training', 'ana-is-0000000000000001');

    // Act
    const later = new PersistentExecutionNames(data.executionsFile);

    // Assess
    expect(later.has('training', 'ana-is-0000000000000001')).toBe(true);
    expect(later.has('generation', 'ana-is-0000000000000001')).toBe(false);
    expect(later.has('training', 'ana-is-0000000000000002')).toBe(false);
  });
});
