import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** On a machine without the ML environment, `--trainer tiny` stops at once with the command that fixes it. */
describe('npm start -- --trainer tiny without the ML environment', () => {
  it('exits 2 with one line naming npm run test:ml', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'no-ml-env-'));
    try {
      const failure = await run(
        'npx',
        ['tsx', 'local/cli.ts', '--trainer', 'tiny', '--data', join(cache, 'data')],
        {
          env: { ...process.env, AVATAR_ML_CACHE: cache },
        },
      ).then(
        () => undefined,
        (error: { code: number; stderr: string; stdout: string }) => error,
      );
      expect(failure?.code).toBe(2);
      expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
      expect(failure?.stderr).toMatch(
        /not installed in .*run `npm run ml:setup` \(or `npm run test:ml`\) once first/,
      );
      expect(failure?.stdout).not.toMatch(/Generating sample subjects/);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
