// Runs before `npm start` and `npm test` so that on a fresh clone each of them is the only command needed.
// Plain JavaScript on purpose: it runs on whatever `node` the machine has (20 here) before the project's
// own Node 24 (the `node` devDependency) exists.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const installed = 'node_modules/.package-lock.json';
const stale =
  !existsSync(installed) ||
  !existsSync('node_modules/.bin/tsx') ||
  statSync('package-lock.json').mtimeMs > statSync(installed).mtimeMs;

if (stale) {
  console.log('Installing dependencies (npm ci) ...');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
