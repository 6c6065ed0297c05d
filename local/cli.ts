/**
 * `npm start [-- --input DIR] [--data DIR]`: runs the pipeline on this machine. Every subfolder of DIR is
 * dropped into the local bucket as subjects/<folder name>/; with no --input, sample subjects are generated
 * first. Exits 0 when every subject reached an outcome: `Avatars Ready`, `Generation Failed`, `Subject Rejected`,
 * `Training Failed` or `Subject Processing Failed`.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MODELS_PREFIX } from '../functions/platform/bucket-layout.js';
import { LocalPipeline } from './runtime/local-pipeline.js';
import { reportSubjects, type SubjectReport } from './runtime/run-report.js';
import { STAND_IN_NOTICE } from './runtime/stand-in-notice.js';
import { generateSampleSubjects } from './samples/generate-sample-subjects.js';
import { ContainerTrainer } from './stand-ins/async-training-endpoint.js';
import { MlEnvironmentMissingError, requireMlEnvironment } from './stand-ins/ml-environment.js';
import { startTinyModelHosts, TINY_MODEL_NOTICE, type TinyModelHosts } from './stand-ins/tiny-model.js';

const USAGE = `Usage: npm start [-- --input DIR] [--data DIR] [--training-endpoint URL | --trainer tiny] [--quiet]
  --input DIR  every subfolder of DIR is one subject (its files go to subjects/<folder>/)
               default: sample subjects generated under DATA/samples
  --data DIR   where the local bucket (DATA/bucket) and events (DATA/events.jsonl) go; default .local-data
  --training-endpoint URL
               train with a SageMaker-compatible container on this machine (GET /ping, POST /invocations),
               e.g. sagemaker/training on a GPU: http://localhost:8080 (default: the local stand-in)
  --trainer tiny
               train and serve with the real sagemaker/ code on a tiny random model, on CPU (needs the ML
               environment: run \`npm run ml:setup\` or \`npm run test:ml\` once)
  --quiet      print only the summary`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      input: { type: 'string' },
      data: { type: 'string', default: '.local-data' },
      quiet: { type: 'boolean', default: false },
      'training-endpoint': { type: 'string' },
      trainer: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.trainer !== undefined && (values.trainer !== 'tiny' || values['training-endpoint'])) {
    console.error('--trainer takes only "tiny", and not together with --training-endpoint.');
    return 2;
  }
  let tinyModel: TinyModelHosts | undefined;
  const dataDir = resolve(values.data);
  if (values.trainer === 'tiny') {
    try {
      const env = requireMlEnvironment();
      tinyModel = await startTinyModelHosts({ env, dataDir, modelsPrefix: MODELS_PREFIX });
    } catch (error) {
      if (!(error instanceof MlEnvironmentMissingError)) throw error;
      console.error(error.message);
      return 2;
    }
    console.log(TINY_MODEL_NOTICE);
  }
  try {
    return await runPipeline(values, dataDir, tinyModel);
  } finally {
    await tinyModel?.stop();
  }
}

async function runPipeline(
  values: { input?: string | undefined; quiet: boolean; 'training-endpoint'?: string | undefined },
  dataDir: string,
  tinyModel: TinyModelHosts | undefined,
): Promise<number> {
  const inputDir = values.input ? resolve(values.input) : join(dataDir, 'samples');
  if (!values.input) {
    await rm(inputDir, { recursive: true, force: true });
    await mkdir(inputDir, { recursive: true });
    console.log(`Generating sample subjects in ${inputDir} ...`);
    await generateSampleSubjects(inputDir);
  }
  const subjects = await subfolders(inputDir);
  if (subjects.length === 0) {
    console.error(
      `No subject folders in ${inputDir}: put each subject's photos in its own subfolder.\n\n${USAGE}`,
    );
    return 2;
  }

  const container = values['training-endpoint']
    ? new ContainerTrainer(values['training-endpoint'])
    : undefined;
  if (container) {
    await container.ping();
    console.log(`Training with the container at ${values['training-endpoint']} (not the stand-in).`);
  }
  console.log(STAND_IN_NOTICE);
  const started = Date.now();
  const say = (line: string) => {
    if (!values.quiet) console.log(line);
  };
  const pipeline = await LocalPipeline.open({
    dataDir,
    ...(container ? { trainer: () => container } : {}),
    ...(tinyModel
      ? { trainer: ({ bucket }) => tinyModel.trainer(bucket), modelEndpoint: () => tinyModel.endpoint }
      : {}),
    onProgress: (p) => {
      if (p.kind === 'entered') say(`  ${p.execution}  -> ${p.state}`);
      if (p.kind === 'retried') say(`  ${p.execution}  retry ${p.state}`);
      if (p.kind === 'failed') say(`  ${p.execution}  FAILED ${p.detail}`);
    },
    onEvent: (event) => say(`  event: ${event['detail-type']} (${String(event.detail.subjectId)})`),
  });
  try {
    for (const subject of subjects) {
      const count = await pipeline.dropFolder(subject, join(inputDir, subject));
      say(`Dropped ${count} files into subjects/${subject}/`);
    }
    say(
      `Folder drops finished; fast-forwarding the ${pipeline.sealingPolicy.quietPeriodSeconds} s quiet period (and the incomplete-folder timeout) ...`,
    );
    await pipeline.fastForwardQuietPeriods();
    const executions = await pipeline.settled();
    const reports = reportSubjects(subjects, pipeline.bus.published);
    printSummary(reports);
    const transitions = executions.reduce((sum, e) => sum + e.transitions, 0);
    console.log(
      `\n${executions.length} executions, ${transitions} state transitions, ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
    console.log(`Events:        ${join(dataDir, 'events.jsonl')}`);
    console.log(`Bucket:        ${join(dataDir, 'bucket')}`);
    console.log(`Training sets: ${join(dataDir, 'bucket', 'training')}`);
    console.log(`Models:        ${join(dataDir, 'bucket', 'models')}`);
    console.log(`Avatars:       ${join(dataDir, 'bucket', 'avatars')}`);
    return reports.every((r) => r.outcome !== undefined) ? 0 : 1;
  } finally {
    await pipeline.close();
  }
}

function printSummary(reports: SubjectReport[]): void {
  console.log('\nOutcome by subject:');
  for (const report of reports) {
    console.log(`\n${report.subjectId}: ${report.outcome ?? 'NO OUTCOME'}`);
    for (const line of report.lines) console.log(line);
  }
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(`Local run failed: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  },
);
