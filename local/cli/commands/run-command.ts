import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command, Option } from 'commander';
import { DEFAULT_TENANT_ID } from '../../../events/identifiers.js';
import { MODELS_PREFIX } from '../../../functions/platform/bucket-layout.js';
import { ProgressBoard } from '../../progress/progress-board.js';
import { createProgressView, type ProgressMode, type ProgressView } from '../../progress/progress-view.js';
import { writeGallery } from '../../report/gallery.js';
import { attentionLines, formatTable, summaryRows, wrap } from '../../report/run-summary.js';
import { outcomeOf, subjectResults } from '../../report/subject-results.js';
import { STAND_IN_NOTICE } from '../../runtime/stand-in-notice.js';
import type { LocalTrainer } from '../../stand-ins/async-training-endpoint.js';
import type { TinyModelHosts } from '../../stand-ins/tiny-model.js';
import { DataFolder } from '../../state/data-folder.js';
import { readEventLog } from '../../state/event-log.js';
import { CliFailure, EXIT, SetupError, UsageError } from '../errors.js';
import { type LocalSession, openSession } from '../local-session.js';
import { SHORT_STAND_IN_NOTICE } from '../notice.js';
import { dataOption, existingFolder, httpUrl, webhookSecret } from '../options.js';
import type { LocalCommand } from '../program.js';
import { executionSubjects, type Say } from './shared.js';

interface RunOptions {
  input?: string;
  data: string;
  trainingEndpoint?: string;
  trainer?: 'tiny';
  quiet?: boolean;
  verbose?: boolean;
  webhookSecret?: string;
}

export const runCommand: LocalCommand = {
  name: 'run',
  summary:
    'drop every subfolder of --input (or the sample subjects) into the local pipeline and run it (default)',
  isDefault: true,
  configure: (command: Command) =>
    command
      .option(
        '--input <dir>',
        'every subfolder of <dir> is one subject (its files go to subjects/<folder>/); default: sample subjects generated in DATA/samples',
      )
      .addOption(dataOption())
      .option(
        '--training-endpoint <url>',
        'train with a SageMaker-compatible container on this machine (GET /ping, POST /invocations), e.g. sagemaker/training on a GPU: http://localhost:8080',
        httpUrl,
      )
      .addOption(
        new Option(
          '--trainer <kind>',
          'tiny: train and serve with the real sagemaker/ code on a tiny random model, on CPU (needs the ML environment: `npm run ml:setup` or `npm run test:ml` once)',
        )
          .choices(['tiny'])
          .conflicts('trainingEndpoint'),
      )
      .option(
        '--webhook-secret <whsec>',
        "the local default tenant's webhook secret: it signs the deliveries to each subject.json's webhook.url (a receiver on 127.0.0.1 may use http)",
        webhookSecret,
      )
      .option('--quiet', 'print only the results table')
      .option(
        '--verbose',
        'also print every state the workflows enter and every event, and the full list of stand-ins',
      )
      .addHelpText(
        'after',
        `
Exit status: 0 when every subject of the input has an outcome (Avatars Ready, Generation Failed, Subject Rejected,
Training Failed or Subject Processing Failed, from this run or an earlier one), 1 when one has none, 2 for a usage error.
The same photos into the same --data folder again are recognised as nothing new: nothing is trained twice.`,
      ),
  run: async (options: RunOptions, command: Command) => {
    if (command.args.length > 0)
      throw new UsageError(`unexpected argument "${command.args[0]}" (see --help)`);
    if (options.quiet && options.verbose)
      throw new UsageError('--quiet and --verbose cannot be used together');
    const data = new DataFolder(resolve(options.data));
    const inputDir = options.input ? existingFolder('--input', options.input) : data.samples;
    const mode: ProgressMode = options.quiet
      ? 'quiet'
      : options.verbose || !process.stdout.isTTY
        ? 'plain'
        : 'live';
    const say: Say = (line) => {
      if (!options.quiet) process.stdout.write(`${line}\n`);
    };
    say(
      `Avatar pipeline, local mode: data in ${shown(data.root)}, ${options.input ? `subjects from ${shown(inputDir)}` : 'sample subjects'}`,
    );
    say(options.verbose ? STAND_IN_NOTICE : SHORT_STAND_IN_NOTICE);
    const { ContainerTrainer } = await import('../../stand-ins/async-training-endpoint.js');
    const container = options.trainingEndpoint ? new ContainerTrainer(options.trainingEndpoint) : undefined;
    if (container) {
      try {
        await container.ping();
      } catch (error) {
        throw new CliFailure(`--training-endpoint ${options.trainingEndpoint}: ${(error as Error).message}`);
      }
    }

    let tinyModel: TinyModelHosts | undefined;
    if (options.trainer === 'tiny') {
      const { MlEnvironmentMissingError, requireMlEnvironment } = await import(
        '../../stand-ins/ml-environment.js'
      );
      const { startTinyModelHosts, TINY_MODEL_NOTICE } = await import('../../stand-ins/tiny-model.js');
      try {
        tinyModel = await startTinyModelHosts({
          env: requireMlEnvironment(),
          dataDir: data.root,
          modelsPrefix: MODELS_PREFIX,
        });
      } catch (error) {
        if (error instanceof MlEnvironmentMissingError) throw new SetupError(error.message);
        throw error;
      }
      say(TINY_MODEL_NOTICE);
    }
    try {
      return await runWith(options, { data, inputDir, mode, say, container, tinyModel });
    } finally {
      await tinyModel?.stop();
    }
  },
};

interface RunContext {
  data: DataFolder;
  inputDir: string;
  mode: ProgressMode;
  say: Say;
  container: LocalTrainer | undefined;
  tinyModel: TinyModelHosts | undefined;
}

async function runWith(options: RunOptions, context: RunContext): Promise<number> {
  const { data, inputDir, mode, say, container, tinyModel } = context;
  {
    if (!options.input) {
      await rm(inputDir, { recursive: true, force: true });
      await mkdir(inputDir, { recursive: true });
      say(`Generating the sample subjects in ${shown(inputDir)} ...`);
      const { generateSampleSubjects } = await import('../../samples/generate-sample-subjects.js');
      // The samples are the same bytes every time: a second run finds nothing new.
      await generateSampleSubjects(inputDir);
    }
    const subjects = await subfolders(inputDir);
    if (subjects.length === 0) {
      throw new UsageError(
        `--input ${options.input}: no subject folders in it; put each subject's photos in a subfolder of its own (${join(options.input ?? '', 'ana', 'photo-01.jpg')})`,
      );
    }

    const started = Date.now();
    // The view starts once the pipeline is open: nothing may write below live lines but the view itself.
    let view: ProgressView = { changed: () => {}, log: say, finish: () => {} };
    const board = new ProgressBoard(subjects, (subject) => view.changed(subject));
    const fromEvents = new Map<string, string>();
    const verbose = options.verbose === true;
    if (container) say(`Training with the container at ${options.trainingEndpoint} (not the stand-in).`);
    say(`${subjects.length} subject${subjects.length > 1 ? 's' : ''}: ${subjects.join(', ')}`);
    say('Synthesizing the CDK app and opening the local pipeline ...');
    const session = await openSession({
      data,
      run: { command: 'run', input: inputDir, subjects },
      ...(container ? { trainer: () => container } : {}),
      ...(tinyModel
        ? { trainer: ({ bucket }) => tinyModel.trainer(bucket), modelEndpoint: () => tinyModel.endpoint }
        : {}),
      onTask: (observation) => board.task(observation),
      onEvent: (event) => {
        board.event(event);
        const subjectId = (event.detail as { subjectId?: unknown }).subjectId;
        if (typeof subjectId === 'string') fromEvents.set(event.id, subjectId);
        if (verbose) view.log(`  [${subjectId ?? '-'}] event: ${event['detail-type']}`);
      },
      ...(verbose
        ? {
            onProgress: (p) => {
              const subjectId = executionSubjects(p.execution, subjects, fromEvents) ?? '-';
              if (p.kind === 'entered') view.log(`  [${subjectId}] ${p.execution}  -> ${p.state}`);
              if (p.kind === 'retried') view.log(`  [${subjectId}] ${p.execution}  retry ${p.state}`);
              if (p.kind === 'failed') view.log(`  [${subjectId}] ${p.execution}  FAILED ${p.detail}`);
            },
          }
        : {}),
    });
    const { pipeline, run } = session;
    if (options.webhookSecret) {
      const { setLocalDefaultWebhookSecret } = await import('../../runtime/local-webhooks.js');
      await setLocalDefaultWebhookSecret(pipeline, options.webhookSecret);
      say('Webhooks to each subject.json webhook.url are signed with the --webhook-secret given.');
    }
    let currentImageSets = new Map<string, string>();
    let changedFiles = 0;
    let ignoredFiles = 0;
    let files = 0;
    try {
      say(
        `Run ${run.number} in this data folder${run.number > 1 ? ` (earlier runs: ${run.number - 1}; the ledger remembers every photo they recorded)` : ''}.`,
      );
      say('');
      view = createProgressView(mode, board);
      for (const subjectId of subjects) {
        const folder = join(inputDir, subjectId);
        for (const file of await listFiles(folder)) {
          const key = `subjects/${subjectId}/${relative(folder, file).split(sep).join('/')}`;
          const outcome = await pipeline.dropObject(key, await readFile(file));
          const changed = outcome.action === 'recorded';
          files++;
          if (changed) changedFiles++;
          if (outcome.action === 'ignored') ignoredFiles++;
          board.fileDropped(subjectId, changed);
        }
        board.folderDropped(subjectId);
      }
      // Locally the drop is known to be over: run the sweep as if the quiet period had passed.
      await pipeline.fastForwardQuietPeriods();
      await pipeline.settled();
      currentImageSets = await ledgerImageSets(session, subjects);
      board.settled();
    } finally {
      view.finish();
      await session.close();
    }

    const log = await readEventLog(data.events);
    const results = subjectResults(log, { currentImageSets });
    const gallery = await writeGallery(data, { log });
    const trainings = pipeline.executionsOf('training');
    const generations = pipeline.executionsOf('generation');
    const transitions = [...trainings, ...generations].reduce((sum, e) => sum + e.transitions, 0);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const out = (line = '') => process.stdout.write(`${line}\n`);

    out();
    out(formatTable(summaryRows(subjects, results)));
    const attention = attentionLines(subjects, results, Math.min(process.stdout.columns ?? 100, 120) - 2);
    if (attention.length && !options.quiet) {
      out();
      out('Needs attention (every photo with its advice is in the gallery):');
      for (const line of attention) out(`  ${line}`);
    }
    out();
    const unchanged = board.all.filter((s) => s.changedFiles === 0).map((s) => s.subjectId);
    const receivedNow = new Set(
      log.events
        .filter((e) => e.run?.runId === run.runId && e.event['detail-type'] === 'Subject Received')
        .map((e) => String(e.event.detail.subjectId)),
    );
    for (const subject of board.all) {
      const set = currentImageSets.get(subject.subjectId);
      if (subject.changedFiles > 0 && set && !receivedNow.has(subject.subjectId)) {
        out(
          `${subject.subjectId}: its photos are again image set ${set}, processed by an earlier run; an execution name is used once (as on AWS), so it is not run again and its earlier results stand.`,
        );
      }
    }
    if (trainings.length === 0 && generations.length === 0 && unchanged.length === subjects.length) {
      const text = `Nothing new: the ${files} files of ${subjects.length === 1 ? 'this subject' : `these ${subjects.length} subjects`} are already in this data folder, unchanged, so nothing was validated, trained or generated again; the results above are those of earlier runs. Change or add a photo for a new image set, or pass another --data to start afresh.`;
      for (const line of wrap(text, Math.min(process.stdout.columns ?? 100, 120) - 1)) out(line);
    } else {
      const text = `${trainings.length} training and ${generations.length} generation execution${generations.length === 1 ? '' : 's'}, ${transitions} state transitions, ${changedFiles} of ${files} files new or changed${ignoredFiles ? ` (${ignoredFiles} folder junk ignored)` : ''}, ${seconds} s.${unchanged.length && unchanged.length < subjects.length ? ` Unchanged, not run again: ${unchanged.join(', ')}.` : ''}`;
      for (const line of wrap(text, Math.min(process.stdout.columns ?? 100, 120) - 1)) out(line);
    }
    out(`Gallery: ${pathToFileURL(gallery.file).href}`);
    out(`Events:  ${data.events} (run ${run.number} opens with a "${'Local Run Started'}" line)`);
    out(
      `Data:    ${data.root} (bucket/, state/ with the ledger, registry and queue, report/; kept for the next run)`,
    );
    const missing = subjects.filter((subjectId) => outcomeOf(results.get(subjectId)) === undefined);
    if (missing.length) {
      out(`No outcome for: ${missing.join(', ')} (exit status 1).`);
      return EXIT.failed;
    }
    return EXIT.ok;
  }
}

/** The image set the ledger holds for each subject now (read before the pipeline closes). */
async function ledgerImageSets(
  session: LocalSession,
  subjects: readonly string[],
): Promise<Map<string, string>> {
  const { SubjectLedger } = await import('../../../functions/ingest/subject-ledger.js');
  const table = session.data.readTables()?.ledger;
  const sets = new Map<string, string>();
  if (!table) return sets;
  const ledger = new SubjectLedger(session.pipeline.db, table);
  for (const subjectId of subjects) {
    const imageSetId = (await ledger.getSubject({ tenantId: DEFAULT_TENANT_ID, subjectId }))?.imageSetId;
    if (imageSetId) sets.set(subjectId, imageSetId);
  }
  return sets;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** Every file of a folder, in name order, as a browser folder drop sends them. */
async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
