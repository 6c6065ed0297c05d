import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A Python command-line tool the project runs (cfn-lint, huggingface_hub for staging the base model), installed
 * once per machine into a virtual environment outside the clone, under AVATAR_TOOLS_CACHE (default
 * ~/.cache/avatar-pipeline/tools), keyed by its pinned requirements file and the Python version, as the ML
 * environment is (local/stand-ins/ml-environment.ts): a second run, a second clone or a CI job on the same machine
 * installs nothing, and a changed pin gets a fresh environment instead of a half-upgraded one.
 */
export interface PythonTool {
  /** A short name, in the environment's folder name. */
  readonly name: string;
  /** The pinned requirements (`pkg==x.y.z` lines) to install. */
  readonly requirementsFile: string;
}

export interface PythonToolEnvironment {
  readonly envDir: string;
  /** The path of a command the environment installed (`cfn-lint`, `python`). */
  bin(command: string): string;
}

export class PythonToolUnavailableError extends Error {
  override name = 'PythonToolUnavailableError';
}

const READY = '.avatar-ready.json';

function basePython(): string {
  return process.env.AVATAR_TOOLS_PYTHON ?? process.env.AVATAR_ML_PYTHON ?? 'python3';
}

/** Where the tool's environment is (or will be) for these pins and this Python. No side effects but running Python. */
export function pythonToolPaths(tool: PythonTool): PythonToolEnvironment {
  const root = process.env.AVATAR_TOOLS_CACHE ?? join(homedir(), '.cache', 'avatar-pipeline', 'tools');
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
    throw new PythonToolUnavailableError(
      `${basePython()} cannot be run (${(error as Error).message}): install Python 3.10+ or set AVATAR_TOOLS_PYTHON`,
    );
  }
  const key = createHash('sha256')
    .update(readFileSync(tool.requirementsFile))
    .update('\0')
    .update(version)
    .digest('hex')
    .slice(0, 16);
  const envDir = join(root, `${tool.name}-${key}`);
  return { envDir, bin: (command) => join(envDir, 'bin', command) };
}

export function pythonToolReady(tool: PythonTool): boolean {
  return existsSync(join(pythonToolPaths(tool).envDir, READY));
}

/** Creates the environment if it is missing (a folder without the ready marker is a half-finished one: again). */
export function ensurePythonTool(
  tool: PythonTool,
  log: (line: string) => void = console.log,
): PythonToolEnvironment {
  const env = pythonToolPaths(tool);
  if (existsSync(join(env.envDir, READY))) return env;
  log(`Installing ${tool.name} from ${tool.requirementsFile} into ${env.envDir} (once per machine) ...`);
  rmSync(env.envDir, { recursive: true, force: true });
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    if (result.status !== 0) {
      rmSync(env.envDir, { recursive: true, force: true });
      throw new PythonToolUnavailableError(
        `${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}): ${(result.stderr || result.stdout).trim().slice(-2000)}`,
      );
    }
  };
  run(basePython(), ['-m', 'venv', env.envDir]);
  run(env.bin('python'), [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--no-input',
    '--only-binary=:all:',
    '--no-deps',
    '--requirement',
    tool.requirementsFile,
  ]);
  writeFileSync(join(env.envDir, READY), JSON.stringify({ requirements: tool.requirementsFile }, null, 2));
  return env;
}

/**
 * Whether PyPI answers at all (a HEAD of its simple index within `timeoutMs`): tests that need a tool not yet
 * installed skip, with this said, only when it does not.
 */
export function pypiReachable(timeoutMs = 5000): Promise<boolean> {
  const index = process.env.PIP_INDEX_URL ?? 'https://pypi.org/simple/';
  return new Promise((resolve) => {
    const req = request(index, { method: 'HEAD', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}
