/**
 * Stages a pinned copy of the Stable Diffusion base model in S3, once, for endpoints that cannot reach the Hugging
 * Face Hub (context `isolatedNetwork`, the default):
 *
 *   npm run stage-base-model -- --revision <40-hex commit> --to s3://<bucket>/<prefix>/ [--model owner/name]
 *   npm run stage-base-model -- --revision <commit> --bucket <bucket>      (prefix base-models/<owner>/<name>/<commit>/)
 *   ... --dry-run                                                          (prints the steps, runs nothing)
 *
 * It downloads exactly that commit with the containers' own code (`python -m avatar_training.base_model`, the
 * same allow patterns, huggingface_hub as sagemaker/requirements.lock pins it), writes `avatar-base-model.json`
 * (model, revision, every file with its size and SHA-256) beside the pipeline, and copies the folder with
 * `aws s3 sync` (the AWS CLI and credentials for the bucket are needed). Then deploy with the printed
 * `-c baseModel=s3://...`. The bucket must be in the stack's region (the VPC's S3 gateway serves only that region).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PIPELINE_DEFAULTS } from '../../functions/platform/pipeline-defaults.js';
import { ensurePythonTool, type PythonTool } from './python-tool.js';

export const STAGING_TOOL: PythonTool = {
  name: 'stage-base-model',
  requirementsFile: fileURLToPath(new URL('./stage-base-model.requirements.txt', import.meta.url)),
};

const TRAINING_SOURCES = fileURLToPath(new URL('../../sagemaker/training/src', import.meta.url));
/** The manifest written beside the staged pipeline. */
export const STAGED_MANIFEST = 'avatar-base-model.json';
/** The marker the download leaves (base_model.py); the containers write their own after copying from S3. */
const DOWNLOAD_MARKER = '.avatar-base-model.json';

export class StageArgumentsError extends Error {
  override name = 'StageArgumentsError';
}

export interface StagePlan {
  model: string;
  revision: string;
  /** `s3://bucket/prefix/`, always ending in `/`. */
  destination: string;
  dryRun: boolean;
}

export const USAGE = `Usage: npm run stage-base-model -- --revision <40-hex commit> (--to s3://<bucket>/<prefix>/ | --bucket <bucket>) [--model <owner/name>] [--dry-run]
  --revision  the Hugging Face commit to stage (required: a branch or tag can move; find it on the model's "Files and versions" page)
  --to        where to copy it: an s3:// prefix (a trailing / is added)
  --bucket    or a bucket, with the prefix base-models/<owner>/<name>/<revision>/
  --model     the Hugging Face model id (default ${PIPELINE_DEFAULTS.baseModel})
  --dry-run   print what would run and exit`;

const HF_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const S3_PREFIX = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(\S+)$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The arguments as a plan, or a StageArgumentsError that says what is wrong (and the usage). */
export function parseStageArguments(argv: readonly string[]): StagePlan {
  const values = new Map<string, string>();
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--dry-run') {
      dryRun = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') throw new StageArgumentsError(USAGE);
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (!['--revision', '--to', '--bucket', '--model'].includes(flag))
      throw new StageArgumentsError(`Unknown argument ${JSON.stringify(arg)}.\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--'))
      throw new StageArgumentsError(`${flag} needs a value.\n${USAGE}`);
    if (values.has(flag)) throw new StageArgumentsError(`${flag} is given twice.\n${USAGE}`);
    values.set(flag, value);
  }
  const revision = values.get('--revision');
  if (!revision) throw new StageArgumentsError(`--revision is required: staging pins one commit.\n${USAGE}`);
  if (!/^[0-9a-f]{40}$/.test(revision))
    throw new StageArgumentsError(
      `--revision ${JSON.stringify(revision)} is not a commit hash (40 lowercase hex digits): a branch or a tag can move.\n${USAGE}`,
    );
  const model = values.get('--model') ?? PIPELINE_DEFAULTS.baseModel;
  if (!HF_ID.test(model))
    throw new StageArgumentsError(
      `--model ${JSON.stringify(model)} is not a Hugging Face id (owner/name).\n${USAGE}`,
    );
  const to = values.get('--to');
  const bucket = values.get('--bucket');
  if ((to === undefined) === (bucket === undefined))
    throw new StageArgumentsError(`Give exactly one of --to and --bucket.\n${USAGE}`);
  let destination: string;
  if (to !== undefined) {
    if (!S3_PREFIX.test(to))
      throw new StageArgumentsError(
        `--to ${JSON.stringify(to)} is not an s3://<bucket>/<prefix> URI.\n${USAGE}`,
      );
    destination = to.endsWith('/') ? to : `${to}/`;
  } else {
    if (!BUCKET.test(bucket as string))
      throw new StageArgumentsError(`--bucket ${JSON.stringify(bucket)} is not a bucket name.\n${USAGE}`);
    destination = `s3://${bucket}/base-models/${model}/${revision}/`;
  }
  return { model, revision, destination, dryRun };
}

/** The commands staging runs, in order (what --dry-run prints). */
export function stagingSteps(plan: StagePlan, folder: string): string[][] {
  return [
    [
      'python',
      '-m',
      'avatar_training.base_model',
      '--source',
      plan.model,
      '--dest',
      folder,
      '--revision',
      plan.revision,
    ],
    ['aws', 's3', 'sync', folder, plan.destination, '--exclude', DOWNLOAD_MARKER, '--only-show-errors'],
  ];
}

/** Every file of the staged folder with its size and SHA-256, and what was staged. */
function writeManifest(plan: StagePlan, folder: string): void {
  const files: { path: string; bytes: number; sha256: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name !== DOWNLOAD_MARKER && entry.name !== STAGED_MANIFEST)
        files.push({
          path: relative(folder, path),
          bytes: statSync(path).size,
          sha256: createHash('sha256').update(readFileSync(path)).digest('hex'),
        });
    }
  };
  walk(folder);
  files.sort((a, b) => a.path.localeCompare(b.path));
  writeFileSync(
    join(folder, STAGED_MANIFEST),
    `${JSON.stringify({ model: plan.model, revision: plan.revision, stagedAt: new Date().toISOString(), files }, null, 2)}\n`,
  );
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.error) throw new Error(`${command} could not be run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

export function stageBaseModel(plan: StagePlan, log: (line: string) => void = console.log): void {
  const folder = mkdtempSync(join(tmpdir(), 'avatar-base-model-'));
  try {
    const [download, sync] = stagingSteps(plan, folder) as [string[], string[]];
    if (plan.dryRun) {
      log(`Would stage ${plan.model}@${plan.revision} to ${plan.destination}:`);
      for (const step of [download, sync]) log(`  ${step.join(' ')}`);
      return;
    }
    const env = ensurePythonTool(STAGING_TOOL, log);
    log(`Downloading ${plan.model} at ${plan.revision} ...`);
    run(env.bin('python'), download.slice(1), {
      ...process.env,
      PYTHONPATH: TRAINING_SOURCES,
      HF_HUB_DISABLE_TELEMETRY: '1',
    });
    writeManifest(plan, folder);
    log(`Copying to ${plan.destination} ...`);
    run(sync[0] as string, sync.slice(1));
    log(`Staged. Deploy with: npm run deploy -- -c baseModel=${plan.destination}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    stageBaseModel(parseStageArguments(process.argv.slice(2)));
  } catch (error) {
    if (error instanceof StageArgumentsError && error.message === USAGE) {
      console.log(USAGE);
      process.exit(0);
    }
    console.error((error as Error).message);
    process.exit(error instanceof StageArgumentsError ? 2 : 1);
  }
}
