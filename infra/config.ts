import type { Node } from 'constructs';
import type { z } from 'zod';
import {
  PIPELINE_CONFIG_KEYS,
  PIPELINE_CONFIG_SCHEMA,
  type PipelineConfigKey,
  showValue,
} from './config-schema.js';

export {
  MAX_ASYNC_INVOCATION_SECONDS,
  MAX_PRESIGNED_URL_SECONDS,
  NON_ENGLISH_PROMPT_POLICIES,
  type NonEnglishPromptPolicy,
  TOXICITY_THRESHOLD_KEYS,
  WORKFLOW_LOG_LEVELS,
  type WorkflowLogLevel,
} from './config-schema.js';

/**
 * Everything a deployer may change, read from CDK context (`cdk.json`, `-c key=value` or
 * `createPipelineApp({ context })`). Every key is optional; each field's doc comment names its context key and
 * its default, both defined once in `config-schema.ts`.
 */
export type PipelineConfig = z.output<typeof PIPELINE_CONFIG_SCHEMA>;

/** The configuration of a stack given no context at all (frozen). */
export const DEFAULT_CONFIG: PipelineConfig = PIPELINE_CONFIG_SCHEMA.parse({});

export class InvalidConfigurationError extends Error {
  override name = 'InvalidConfigurationError';
}

/** Context keys that are not the pipeline's settings but are read beside them (by `createPipelineApp`). */
const OTHER_KEYS_READ = ['account', 'region'];

/**
 * Reads the config from context: `-c key=value` arrives as a string, so numbers and booleans are parsed here.
 * Every bad value is reported at once, one line per key, in an InvalidConfigurationError. Keys the pipeline does
 * not read are ignored (CDK keeps its own flags in context), except a near-miss of one of ours (`minphotos`,
 * `trainingConcurency`), which is refused as a likely typo.
 */
export function readPipelineConfig(node: Node): PipelineConfig {
  const given: Partial<Record<PipelineConfigKey, unknown>> = {};
  for (const key of PIPELINE_CONFIG_KEYS) {
    const value: unknown = node.tryGetContext(key);
    if (value !== undefined) given[key] = value;
  }
  const result = PIPELINE_CONFIG_SCHEMA.safeParse(given);
  const problems = [
    ...(result.success ? [] : describeIssues(result.error.issues, given)),
    ...likelyTypos(node.getAllContext()),
  ];
  if (problems.length > 0 || !result.success) throw new InvalidConfigurationError(problems.join('\n'));
  return result.data;
}

/**
 * One line per key, in the order of the schema: `Context "key"=<value as given> <what is wrong; what is allowed>`,
 * several problems of one key joined with "; ". A check across two keys (`params.line`) brings its own line.
 */
function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  given: Partial<Record<PipelineConfigKey, unknown>>,
): string[] {
  const problemsOf = new Map<string, Set<string>>();
  const ownLines: { key: string; line: string }[] = [];
  for (const issue of issues) {
    const key = String(issue.path[0]);
    if (issue.code === 'custom' && issue.params?.line === true) ownLines.push({ key, line: issue.message });
    else problemsOf.set(key, (problemsOf.get(key) ?? new Set()).add(issue.message));
  }
  const keyLines = [...problemsOf].map(([key, problems]) => ({
    key,
    line: `Context ${JSON.stringify(key)}=${showValue(given[key as PipelineConfigKey])} ${[...problems].join('; ')}`,
  }));
  const rank = (key: string) => PIPELINE_CONFIG_KEYS.indexOf(key as PipelineConfigKey);
  return [...keyLines, ...ownLines].sort((a, b) => rank(a.key) - rank(b.key)).map(({ line }) => line);
}

/**
 * Context keys that are none of ours but nearly one: the same but for case, or one or two letters off. CDK's own
 * keys (`@aws-cdk/...` feature flags, `aws:cdk:...` settings, `key:account=...:region=...` lookups) are left alone.
 */
function likelyTypos(context: Record<string, unknown>): string[] {
  const ours = new Set<string>([...PIPELINE_CONFIG_KEYS, ...OTHER_KEYS_READ]);
  const typos: string[] = [];
  for (const [key, value] of Object.entries(context)) {
    if (ours.has(key) || /[@:/]/.test(key)) continue;
    const [meant] = PIPELINE_CONFIG_KEYS.map((k) => ({
      k,
      d: editDistance(k.toLowerCase(), key.toLowerCase()),
    }))
      .filter(({ d }) => d <= 2)
      .sort((x, y) => x.d - y.d)
      .map(({ k }) => k);
    if (meant) {
      typos.push(
        `Context ${JSON.stringify(key)}=${showValue(value)} is not a setting the pipeline reads: did you mean "${meant}"?`,
      );
    }
  }
  return typos;
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`; 3 for "more than 2". */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}
