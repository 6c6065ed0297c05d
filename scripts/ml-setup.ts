// `npm run ml:setup`: creates the CPU ML environment and the tiny base model when missing (see
// local/stand-ins/ml-environment.ts), then prints where they are. A second run installs nothing.
import { ensureMlEnvironment } from '../local/stand-ins/ml-environment.js';

const started = Date.now();
const env = await ensureMlEnvironment();
console.log(`Python:     ${env.python}`);
console.log(`Tiny model: ${env.tinyModelDir}`);
console.log(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
