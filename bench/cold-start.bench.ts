/**
 * Cold start of every function the stack synthesizes, as a ratio to a bundle that holds one bare SDK client built
 * with the same esbuild settings: each bundle is imported in a fresh Node process (the init phase of a cold start:
 * module evaluation, clients and the task built from its environment), median of 9, interleaved with the
 * reference so that the machine's noise falls on both alike.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { type BundledFunction, synthesizeBundledFunctions } from '../infra/tools/bundled-functions.js';
import { resolveTokens, type Template } from '../local/runtime/template-tokens.js';

const run = promisify(execFile);
const projectRoot = fileURLToPath(new URL('../', import.meta.url));

export const COLD_START_RUNS = 9;
/** Targets: every function, and the API-facing ones (authorizer, API handlers, webhook deliverer). */
export const COLD_START_TARGET = 1.3;
export const API_FACING_COLD_START_TARGET = 1.1;

/** A function that answers a caller on the request path: its cold start is someone's latency. */
export function isApiFacing(name: string): boolean {
  return /authorizer|api|webhook/i.test(name);
}

export interface ColdStartFigures {
  node: string;
  runs: number;
  referenceMs: number;
  referenceCpuMs: number;
  referenceBytes: number;
  functions: {
    name: string;
    bundleBytes: number;
    medianMs: number;
    /** Median wall-clock import time / the reference's: the figure the targets apply to. */
    ratio: number;
    /** The same with the process's CPU time, which other work on the machine moves less. */
    cpuRatio: number;
    target: number;
  }[];
  /** Function name -> median import time / the reference's. */
  coldStartRatio: Record<string, number>;
  coldStartRatioMax: number;
}

/**
 * The reference: one bare SDK client, created at module load as a handler file would. DynamoDB's: the client
 * most of the functions hold, and a lighter one than S3's (no checksums, no XML), so the ratio is the stricter.
 */
const REFERENCE_SOURCE = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async () => client.config.serviceId;`;

/**
 * Prints the milliseconds from before to after importing the bundle, measured inside the fresh process: wall
 * clock (the figure) and CPU time of the process (less moved by other work on a shared machine).
 */
const PROBE = `const started = performance.now();
const cpu = process.cpuUsage();
await import(process.argv[2]);
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ wall: performance.now() - started, cpu: (used.user + used.system) / 1000 }));`;

export async function benchColdStart(runs = COLD_START_RUNS): Promise<ColdStartFigures> {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-cold-start-'));
  // Staged inside the project, so that what a layer provides on Lambda (sharp) resolves from node_modules.
  const stage = join(projectRoot, '.build', `cold-start-${process.pid}`);
  try {
    const { template, functions } = synthesizeBundledFunctions(outdir);
    mkdirSync(stage, { recursive: true });
    const probe = join(stage, 'probe.mjs');
    writeFileSync(probe, PROBE);
    const referencePath = join(stage, 'reference', 'index.mjs');
    const referenceBytes = await buildReference(referencePath);
    const staged = functions.map((fn) => {
      const path = join(stage, fn.name, 'index.mjs');
      mkdirSync(join(stage, fn.name), { recursive: true });
      copyFileSync(fn.bundlePath, path);
      copyFileSync(`${fn.bundlePath}.map`, `${path}.map`);
      return { fn, path, env: environmentOf(template as Template, fn) };
    });
    const nodeOptions = String(functions[0]?.environment.NODE_OPTIONS ?? '');
    const times = new Map<string, number[]>();
    const cpuTimes = new Map<string, number[]>();
    const time = async (key: string, path: string, env: Record<string, string>) => {
      const { stdout } = await run(process.execPath, [probe, pathToFileURL(path).href], {
        env: { PATH: process.env.PATH ?? '', ...LAMBDA_ENV, ...env },
        cwd: stage,
      });
      const { wall, cpu } = JSON.parse(stdout) as { wall: number; cpu: number };
      times.set(key, [...(times.get(key) ?? []), wall]);
      cpuTimes.set(key, [...(cpuTimes.get(key) ?? []), cpu]);
    };
    for (let round = 0; round < runs; round++) {
      await time('reference', referencePath, { NODE_OPTIONS: nodeOptions });
      for (const { fn, path, env } of staged) await time(fn.name, path, env);
    }
    const referenceMs = median(times.get('reference') ?? []);
    const referenceCpuMs = median(cpuTimes.get('reference') ?? []);
    const rows = staged.map(({ fn }) => {
      const medianMs = median(times.get(fn.name) ?? []);
      return {
        name: fn.name,
        bundleBytes: fn.bundleBytes,
        medianMs: round2(medianMs),
        ratio: round2(medianMs / referenceMs),
        cpuRatio: round2(median(cpuTimes.get(fn.name) ?? []) / referenceCpuMs),
        target: isApiFacing(fn.name) ? API_FACING_COLD_START_TARGET : COLD_START_TARGET,
      };
    });
    return {
      node: process.version,
      runs,
      referenceMs: round2(referenceMs),
      referenceCpuMs: round2(referenceCpuMs),
      referenceBytes,
      functions: rows,
      coldStartRatio: Object.fromEntries(rows.map((row) => [row.name, row.ratio])),
      coldStartRatioMax: Math.max(...rows.map((row) => row.ratio)),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(stage, { recursive: true, force: true });
  }
}

/** What the Lambda runtime sets before the init phase (no credentials: nothing is called at init). */
const LAMBDA_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  POWERTOOLS_DEV: 'false',
};

/** The function's variables with their CloudFormation tokens resolved as the local runtime resolves them. */
function environmentOf(template: Template, fn: BundledFunction): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fn.environment).map(([name, value]) => {
      const resolved = typeof value === 'string' ? value : resolveTokens(template, value);
      return [name, typeof resolved === 'string' ? resolved : JSON.stringify(resolved)];
    }),
  );
}

/** The same esbuild settings as PipelineFunction's bundling (infra/constructs/pipeline-function.ts). */
async function buildReference(outfile: string): Promise<number> {
  const result = await build({
    stdin: { contents: REFERENCE_SOURCE, resolveDir: projectRoot, sourcefile: 'reference.ts', loader: 'ts' },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
    metafile: true,
    logLevel: 'error',
  });
  return Object.values(result.metafile.outputs).find((output) => output.entryPoint !== undefined)?.bytes ?? 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchColdStart(Number(process.argv[2] ?? COLD_START_RUNS)), null, 2));
}
