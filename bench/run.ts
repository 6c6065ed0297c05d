/**
 * `npm run bench`: speed figures, printed with their ratios. Targets are stated beside the figures and never
 * asserted in tests: timings on a shared 2-core machine belong in a benchmark.
 */
import { benchGeneration } from './generation-cost.bench.js';
import { benchLocalPipeline } from './local-pipeline.bench.js';
import { benchNearDuplicates, describeNearDuplicates } from './near-duplicates.bench.js';
import { benchOrchestrationCost } from './orchestration-cost.bench.js';
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

console.log(
  '\nNear-duplicate rule: distinct shots of one person in front of one wall vs re-encodes, resizes and small crops',
);
for (const line of describeNearDuplicates(await benchNearDuplicates())) console.log(line);

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

console.log(
  '\nOrchestration cost per trained subject (local run through training and deployment, stand-in GPU)',
);
const cost = await benchOrchestrationCost();
const usd = (value: number) => `$${value.toFixed(6)}`;
console.log(
  `  state transitions: ${cost.transitionsPerSubject.toFixed(1)}, function invocations: ${cost.invocationsPerSubject.toFixed(1)}, events: ${cost.eventsPerSubject.toFixed(1)}`,
);
console.log(
  `  Lambda GB-seconds (local run time x deployed memory): ${cost.lambdaGbSecondsPerSubject.toFixed(2)}`,
);
console.log(
  `  orchestration: ${usd(cost.orchestrationCostPerSubject)} vs GPU fine-tune ${usd(cost.gpuCostPerSubject)} (1,500 s on ml.g5.xlarge)`,
);
console.log(
  `  ratio: ${(cost.ratio * 100).toFixed(3)}% of the GPU cost (target < 0.5%: ${cost.ratio < 0.005 ? 'met' : 'NOT met'})`,
);
console.log(`  each minute queued for training capacity adds ${usd(cost.queuedCostPerMinute)} (one poll)`);
console.log(`  invocations over ${cost.subjects} subjects: ${JSON.stringify(cost.invocations)}`);

console.log(
  '\nGeneration per avatar (local, stand-in model and screens; default style pack, 12 avatars per subject)',
);
const generation = await benchGeneration();
console.log(`  ${generation.avatars} avatars delivered`);
console.log(
  `  function time per avatar: ${generation.functionMsPerAvatar.toFixed(0)} ms, of which ${generation.standInModelMsPerAvatar.toFixed(0)} ms waiting on the stand-in model: orchestration overhead ${generation.overheadMsPerAvatar.toFixed(0)} ms per avatar`,
);
console.log(
  `  orchestration per avatar: ${usd(generation.orchestrationCostPerAvatar)} locally measured; ${usd(generation.awsOrchestrationCostPerAvatar)} on AWS, where the image function waits ~4 s for the GPU`,
);
console.log(
  `  vs ~${usd(generation.gpuCostPerAvatar)} of GPU per avatar (4 s on ml.g5.2xlarge): ${(generation.ratio * 100).toFixed(2)}%`,
);
