import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TASKS } from '../../../functions/task-registry.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const READMES = [
  'functions/README.md',
  'infra/README.md',
  'local/README.md',
  'state-machines/training/README.md',
  'state-machines/generation/README.md',
];
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

/** Backticked file names and paths: `aws-ports.ts`, `runtime/local-ports.ts`, `test/integration/workflows/`. */
function filesNamedIn(readme: string): string[] {
  return [...readme.matchAll(/`([\w.-]+(?:\/[\w.-]+)*\/?)`/g)]
    .map((match) => match[1] as string)
    .filter((name) => /\.(ts|md|json)$/.test(name) || /\/[\w.-]/.test(name));
}

/** A name exists beside the README, from the repository root, or (a bare file name) somewhere below the README. */
function exists(name: string, readmePath: string): boolean {
  const folder = dirname(readmePath);
  if (existsSync(`${root}${folder}/${name}`) || existsSync(`${root}${name}`)) return true;
  return (
    !name.includes('/') &&
    readdirSync(`${root}${folder}`, { recursive: true, encoding: 'utf8' }).some(
      (file) => basename(file) === name,
    )
  );
}

describe('the folder READMEs', () => {
  test('functions/README.md names every task of the registry in the row of its capability folder', () => {
    // Prepare
    const readme = read('functions/README.md');
    // Act
    const missing = Object.values(TASKS).filter((task) => {
      const folder = task.entry.split('/')[1];
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${folder}/\``));
      return !row?.includes(`\`${task.name}\``);
    });
    // Assess
    expect(missing.map((task) => `${task.name} (${task.entry})`)).toEqual([]);
  });

  test.each(READMES)('every file %s names exists, beside it or from the repository root', (path) => {
    // Prepare
    const names = filesNamedIn(read(path));
    // Act
    const absent = names.filter((name) => !exists(name, path));
    // Assess
    expect(names.length).toBeGreaterThan(0);
    expect(absent).toEqual([]);
  });
});
