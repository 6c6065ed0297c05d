// `npm run bench:training -- [--tiny] [--steps N] ...`: sagemaker/bench/bench_training.py in the ML environment
// (created when missing), with the tiny model at hand for --tiny. On a GPU machine, run the Python script directly.
import { spawnSync } from 'node:child_process';
import { ensureMlEnvironment } from '../local/stand-ins/ml-environment.js';

const env = await ensureMlEnvironment();
const result = spawnSync(env.python, ['sagemaker/bench/bench_training.py', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, HF_HUB_OFFLINE: '1', AVATAR_TINY_BASE_MODEL: env.tinyModelDir },
});
process.exit(result.status ?? 1);
