import { execFile } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the local CLI as `npm start --` does (tsx on the project's own Node, first on the PATH), not a terminal:
 * progress comes as plain lines. Resolves with the exit status whatever it is.
 */
export function runLocalCli(args: string[], options: { timeoutMs?: number } = {}): Promise<CliResult> {
  const bin = join(root, 'node_modules', '.bin');
  return new Promise((done) => {
    execFile(
      join(bin, 'tsx'),
      ['local/cli.ts', ...args],
      {
        cwd: root,
        env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1' },
        maxBuffer: 16 * 1024 * 1024,
        timeout: options.timeoutMs ?? 0,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Node prints `    at fn (file:line:col)` lines for an uncaught error. */
export const STACK_TRACE = /^\s+at .+[:(].*\d+:\d+\)?$/m;
