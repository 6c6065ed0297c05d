import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The CPU environment of the real training and serving code (torch, diffusers, peft, ... exactly as
 * sagemaker/requirements.lock pins them for both GPU images) and the tiny base model built with it.
 *
 * Both live outside the clone, under AVATAR_ML_CACHE (default ~/.cache/avatar-pipeline), keyed by the lock's
 * hash and the Python version: a second clone, a CI run on the same machine or a second `npm run test:ml`
 * installs nothing, and a changed lock gets a new environment instead of a half-upgraded one. `npm test` never
 * creates it: it is about 5 GB (PyPI's torch is the CUDA build, with its nvidia-* wheels), which a newcomer's
 * first `npm test` should not pay for.
 */
const repository = fileURLToPath(new URL('../../', import.meta.url));
export const LOCK_FILE = join(repository, 'sagemaker', 'requirements.lock');
export const TINY_MODEL_BUILDER = join(repository, 'sagemaker', 'tiny', 'build_tiny_model.py');
export const TINY_HYPERPARAMETERS = join(repository, 'sagemaker', 'tiny', 'hyperparameters.json');
const READY = '.avatar-ready.json';

export interface MlEnvironment {
  /** The environment's interpreter. */
  python: string;
  envDir: string;
  /** A saved diffusers pipeline (model_index.json, unet/, vae/, ...): BASE_MODEL for the tiny runs. */
  tinyModelDir: string;
}

export class MlEnvironmentMissingError extends Error {
  override name = 'MlEnvironmentMissingError';
}

function digest(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function basePython(): string {
  return process.env.AVATAR_ML_PYTHON ?? 'python3';
}

/** Where the environment and the tiny model are (or will be) for this lock and this Python. No side effects. */
export function mlEnvironmentPaths(): MlEnvironment {
  const root = process.env.AVATAR_ML_CACHE ?? join(homedir(), '.cache', 'avatar-pipeline');
  let version: string;
  try {
    version = execFileSync(
      basePython(),
      ['-c', 'import sys, platform; print(sys.version, platform.machine())'],
      {
        encoding: 'utf8',
      },
    ).trim();
  } catch (error) {
    throw new MlEnvironmentMissingError(
      `${basePython()} cannot be run (${(error as Error).message}): install Python 3.10-3.12 or set AVATAR_ML_PYTHON`,
    );
  }
  const envKey = digest(readFileSync(LOCK_FILE), version);
  const envDir = join(root, `ml-env-${envKey}`);
  return {
    python: join(envDir, 'bin', 'python'),
    envDir,
    tinyModelDir: join(root, `tiny-base-model-${digest(envKey, readFileSync(TINY_MODEL_BUILDER))}`),
  };
}

export function mlEnvironmentReady(env: MlEnvironment = mlEnvironmentPaths()): boolean {
  return existsSync(join(env.envDir, READY)) && existsSync(join(env.tinyModelDir, READY));
}

/** The environment when it is ready; a clear error saying how to create it when it is not. */
export function requireMlEnvironment(): MlEnvironment {
  const env = mlEnvironmentPaths();
  if (!mlEnvironmentReady(env)) {
    throw new MlEnvironmentMissingError(
      `The ML environment (torch, diffusers) and the tiny model are not installed in ${env.envDir}: run \`npm run ml:setup\` (or \`npm run test:ml\`) once first.`,
    );
  }
  return env;
}

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { stdio: 'inherit', env: env ?? process.env });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  }
}

/** Creates what is missing (the environment, then the tiny model) and returns where they are. */
export async function ensureMlEnvironment(log: (line: string) => void = console.log): Promise<MlEnvironment> {
  const env = mlEnvironmentPaths();
  if (!existsSync(join(env.envDir, READY))) {
    const started = Date.now();
    log(`Creating the ML environment in ${env.envDir} from sagemaker/requirements.lock (about 5 GB) ...`);
    // A folder without the marker is a half-finished install (interrupted, disk full): start it again.
    rmSync(env.envDir, { recursive: true, force: true });
    await mkdir(env.envDir, { recursive: true });
    run(basePython(), ['-m', 'venv', env.envDir]);
    run(env.python, [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--require-hashes',
      '--only-binary=:all:',
      '--no-deps',
      '--requirement',
      LOCK_FILE,
    ]);
    const seconds = (Date.now() - started) / 1000;
    writeFileSync(join(env.envDir, READY), JSON.stringify({ lock: LOCK_FILE, seconds }, null, 2));
    log(`ML environment ready in ${seconds.toFixed(0)} s.`);
  }
  if (!existsSync(join(env.tinyModelDir, READY))) {
    const started = Date.now();
    log(`Building the tiny base model (random weights, offline) in ${env.tinyModelDir} ...`);
    rmSync(env.tinyModelDir, { recursive: true, force: true });
    run(env.python, [TINY_MODEL_BUILDER, env.tinyModelDir], { ...process.env, HF_HUB_OFFLINE: '1' });
    writeFileSync(join(env.tinyModelDir, READY), JSON.stringify({ seconds: (Date.now() - started) / 1000 }));
  }
  return env;
}
