import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../../local/cli/program.js';
import { runLocalCli, STACK_TRACE } from '../../support/local-cli.js';

/**
 * The CLI as a person mistypes it: every mistake ends with exit status 2 and a line saying what is wrong (and,
 * for a flag or command that does not exist, the usage), never a stack trace; --help works for every command.
 * None of these runs the pipeline.
 */
describe('npm start -- <command> (usage)', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'local-cli-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    [['--bogus'], /unknown option '--bogus'[\s\S]*Usage: npm start -- run \[options\]/],
    [['bogus'], /unknown command 'bogus'[\s\S]*Usage: npm start -- \[command\] \[options\]/],
    [['status', '--bogus'], /unknown option '--bogus'[\s\S]*Usage: npm start -- status \[options\]/],
    [['--input', '/nonexistent'], /--input \/nonexistent: no such folder/],
    [
      ['--training-endpoint', 'ftp://example'],
      /argument 'ftp:\/\/example' is invalid\. not an http\(s\) URL/,
    ],
    [['--quiet', '--verbose'], /--quiet and --verbose cannot be used together/],
    [['status', '--data', '/nonexistent'], /no local pipeline data there yet; run `npm start` first/],
    [['gallery', '--data', '/nonexistent'], /no local pipeline data there yet/],
    [['send-event', '--data', '/nonexistent', '--subject', 'ana'], /no local pipeline data there yet/],
    [['send-event', '--images-per-prompt', 'many', '--subject', 'ana'], /argument 'many' is invalid/],
    [['summary', '--day', '1 December'], /--day "1 December": give a UTC day as YYYY-MM-DD/],
    [['summary', '--data', '/nonexistent'], /no local pipeline data there yet/],
  ])('npm start -- %j exits 2 with the reason and no stack trace', async (args, reason) => {
    // Act
    const result = await runLocalCli(args);

    // Assess
    expect({ code: result.code, stackTrace: STACK_TRACE.test(result.stderr) }).toEqual({
      code: 2,
      stackTrace: false,
    });
    expect(result.stderr).toMatch(reason);
  });

  it('says an input folder with no subject folders in it is a usage error', async () => {
    // Prepare
    const empty = join(root, 'empty');
    await writeFile(join(root, 'not-a-folder'), 'x');
    await mkdir(empty);

    // Act
    const noSubjects = await runLocalCli(['--input', empty, '--data', join(root, 'data')]);
    const aFile = await runLocalCli(['--input', join(root, 'not-a-folder')]);

    // Assess
    expect([noSubjects.code, aFile.code]).toEqual([2, 2]);
    expect(noSubjects.stderr).toMatch(/no subject folders in it; put each subject's photos in a subfolder/);
    expect(aFile.stderr).toMatch(/not a folder/);
    expect(STACK_TRACE.test(noSubjects.stderr + aFile.stderr)).toBe(false);
  });

  it('lists every command of the command table in --help, and nothing that is not built', async () => {
    // Act
    const result = await runLocalCli(['--help']);

    // Assess
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command.name} `, 'm'));
    expect(result.stdout).not.toMatch(/^ {2}(export|delete|purge) /m);
  });

  it.each(COMMANDS.map((c) => c.name))(
    'npm start -- %s --help shows its options and exits 0',
    async (name) => {
      // Act
      const result = await runLocalCli([name, '--help']);

      // Assess
      expect(result.code).toBe(0);
      // A command with an operand names it first (`erase <subjectId> [options]`).
      expect(result.stdout).toMatch(new RegExp(`Usage: npm start -- ${name} (<\\w+> )?\\[options\\]`));
      expect(result.stdout).toMatch(/--data <dir>/);
    },
  );
});
