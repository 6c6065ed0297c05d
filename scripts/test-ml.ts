// `npm run test:ml`: the real training and serving code on the tiny model, on CPU. Creates the ML environment and
// the tiny model when missing (cached by the lock's hash: a second run installs nothing), then runs the Python ML
// tests (sagemaker/ml_tests) and the end-to-end local run with `--trainer tiny` (test/ml). No network but the
// installs and the local processes the tests start; HF_HUB_OFFLINE=1 throughout.
import { spawnSync } from 'node:child_process';
import { ensureMlEnvironment } from '../local/stand-ins/ml-environment.js';

const started = Date.now();
const env = await ensureMlEnvironment();
const setupSeconds = (Date.now() - started) / 1000;
const testEnv = {
  ...process.env,
  HF_HUB_OFFLINE: '1',
  HF_HUB_DISABLE_TELEMETRY: '1',
  AVATAR_TINY_BASE_MODEL: env.tinyModelDir,
};

function step(title: string, command: string, args: string[]): void {
  console.log(`\n== ${title}`);
  const stepStarted = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env: testEnv });
  console.log(`== ${title}: ${((Date.now() - stepStarted) / 1000).toFixed(1)} s`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

step('Python ML tests (tiny model, CPU)', env.python, [
  '-m',
  'unittest',
  'discover',
  '-s',
  'sagemaker',
  '-t',
  '.',
  '-p',
  'mltest_*.py',
]);
step('npm start -- --trainer tiny (end to end)', process.execPath, [
  '--experimental-vm-modules',
  '--no-warnings=ExperimentalWarning',
  'node_modules/jest/bin/jest.js',
  '--config',
  'test/ml/jest.config.js',
  '--runInBand',
]);
console.log(
  `\ntest:ml passed: environment ${setupSeconds.toFixed(1)} s, total ${((Date.now() - started) / 1000).toFixed(1)} s.`,
);
