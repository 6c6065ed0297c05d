/**
 * `npm run bench`: speed figures, printed with their ratios. Targets are stated beside the figures and never
 * asserted in tests: timings on a shared 2-core machine belong in a benchmark.
 */
import { benchLocalPipeline } from './local-pipeline.bench.js';
import { benchValidation } from './validation.bench.js';

const ms = (value: number) => `${value.toFixed(0)} ms`;

console.log('Validation: 15 photos of 12 MP (4000 x 3000 JPEG), local stand-ins for Rekognition');
const validation = await benchValidation();
console.log(`  bare sharp decode, one photo at a time: ${ms(validation.bareDecodeMs)}`);
console.log(`  bare sharp decode, 4 photos at a time:  ${ms(validation.bareDecodeConcurrentMs)}`);
console.log(`  validateImageSet (4 photos at a time):  ${ms(validation.validationMs)}`);
console.log(
  `  ratio validation / faster bare decode: ${validation.ratio.toFixed(2)}x  (target <= 1.5x: ${validation.ratio <= 1.5 ? 'met' : 'NOT met'})`,
);

console.log('\nLocal end to end: every generated sample subject, drop to outcome');
const local = await benchLocalPipeline();
console.log(`  synthesize stack + start local runtime: ${ms(local.synthAndStartMs)}`);
console.log(
  `  ${local.subjects} subjects, ${local.photos} files: ${ms(local.endToEndMs)} (${ms(local.endToEndMs / local.subjects)} per subject)`,
);
console.log(
  `  state transitions: ${local.transitions} (${(local.transitions / local.subjects).toFixed(1)} per subject)`,
);
console.log(`  function invocations: ${JSON.stringify(local.invocations)}`);
