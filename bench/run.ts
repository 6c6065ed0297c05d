/**
 * `npm run bench`: speed figures, printed with their ratios. Targets are stated beside the figures and never
 * asserted in tests: timings on a shared 2-core machine belong in a benchmark.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonPathFrom, toBenchJson } from './bench-json.js';
import { benchBurst, burstSvg } from './burst.bench.js';
import { benchColdStart } from './cold-start.bench.js';
import { benchGeneration } from './generation-cost.bench.js';
import { benchLocalPipeline } from './local-pipeline.bench.js';
import { benchNearDuplicates, describeNearDuplicates } from './near-duplicates.bench.js';
import { benchOrchestrationCost } from './orchestration-cost.bench.js';
import { benchValidation, PREVIOUS_VALIDATION_MEMORY_MB, VALIDATION_MEMORY_MB } from './validation.bench.js';

const ms = (value: number) => `${value.toFixed(0)} ms`;
const jsonPath = jsonPathFrom(process.argv.slice(2));

console.log(`Cold start: every synthesized function imported in a fresh Node ${process.version} process`);
const coldStart = await benchColdStart();
console.log(
  `  reference (one bare DynamoDB client, same esbuild settings, ${coldStart.referenceBytes} bytes): ${ms(coldStart.referenceMs)}, median of ${coldStart.runs}`,
);
for (const fn of coldStart.functions) {
  console.log(
    `  ${fn.name.padEnd(24)} ${String(fn.bundleBytes).padStart(8)} bytes  ${ms(fn.medianMs).padStart(7)}  ${fn.ratio.toFixed(2)}x (CPU ${fn.cpuRatio.toFixed(2)}x)  target <= ${fn.target}x: ${fn.ratio <= fn.target ? 'met' : 'NOT met'}`,
  );
}
console.log(`  largest ratio: ${coldStart.coldStartRatioMax.toFixed(2)}x`);

console.log('Validation: 15 photos of 12 MP (4000 x 3000 JPEG), local stand-ins for Rekognition');
const validation = await benchValidation();
console.log(`  bare sharp decode, one photo at a time: ${ms(validation.bareDecodeMs)}`);
console.log(`  bare sharp decode, 4 photos at a time:  ${ms(validation.bareDecodeConcurrentMs)}`);
console.log(`  validateImageSet (4 photos at a time):  ${ms(validation.validationMs)}`);
console.log(
  `  ratio validation / faster bare decode: ${validation.ratio.toFixed(2)}x  (target <= 1.2x: ${validation.ratio <= 1.2 ? 'met' : 'NOT met'})`,
);
console.log(
  `  peak RSS of a process validating them: ${validation.peakRssMb} MB (${validation.floorRssMb} MB with the modules loaded only; target <= 1024 MB: ${validation.peakRssMb <= 1024 ? 'met' : 'NOT met'})`,
);
console.log(
  `  deployed with ${VALIDATION_MEMORY_MB} MB (was ${PREVIOUS_VALIDATION_MEMORY_MB} MB): at this run's ${ms(validation.validationMs)}, $${((((validation.validationMs / 1000) * (PREVIOUS_VALIDATION_MEMORY_MB - VALIDATION_MEMORY_MB)) / 1024) * 0.0000133334).toFixed(7)} less per subject if the duration holds`,
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

console.log(
  '\nBurst of 1,000 subjects at the training capacity gate (simulated clock, real gate on dynalite)',
);
const burst = await benchBurst();
console.log(
  `  outcomes ${burst.outcomes} of ${burst.subjects} (${burst.trained} trained, ${burst.failed} failed), lost ${burst.lost}, trained twice ${burst.trainedTwice}, ${burst.throttledStarts} throttled starts retried`,
);
console.log(`  most trainings at once: ${burst.maxConcurrentTrainings} (capacity ${burst.capacity})`);
console.log(
  `  queue wait p50 / p95 / p99: ${burst.queueWaitP50Minutes} / ${burst.queueWaitP95Minutes} / ${burst.queueWaitP99Minutes} minutes`,
);
console.log(
  `  makespan ${burst.makespanHours} h vs ideal 4-way ${burst.idealMakespanHours} h: ${burst.makespanRatioToIdeal}x`,
);
console.log(
  `  per subject: ${burst.dynamoReadUnitsPerSubject} DynamoDB read units, ${burst.dynamoWritesPerSubject} writes, ${burst.transitionsPerSubject} state transitions`,
);
for (const at of burst.pollingCostPerHourAtDepth) {
  console.log(
    `  polling with ${at.depth} waiting: $${at.usd.toFixed(4)} per hour (${at.transitions} transitions, ${at.readUnits} read units)`,
  );
}
const svgPath = fileURLToPath(new URL('./reports/burst.svg', import.meta.url));
await mkdir(dirname(svgPath), { recursive: true });
await writeFile(svgPath, burstSvg(burst));
console.log('  plot of queue depth and running trainings: bench/reports/burst.svg');

if (jsonPath) {
  const json = toBenchJson({ coldStart, validation, training: cost, generation, burst });
  await writeFile(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nFigures written to ${jsonPath}`);
}
