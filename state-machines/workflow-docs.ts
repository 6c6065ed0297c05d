/**
 * `npm run docs:workflows`: the part of each workflow README that the synthesized template can say, written from
 * it. The app is synthesized in-process (as the local runtime does), and between the markers of
 * `state-machines/<workflow>/README.md` go the execution settings of its state machine, a Mermaid picture of its
 * states and transitions, and a table of every state. The prose around the markers is hand-written and says why.
 *
 * `npm run docs:workflows -- --check` writes nothing and exits 1 when a README differs from what would be written
 * (test/integration/infra/workflow-docs.test.ts does the same check).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AslDefinition,
  type AslState,
  type SynthesizedPipeline,
  type SynthesizedWorkflow,
  synthesizePipeline,
} from '../local/runtime/synthesized-pipeline.js';
import { resolveTokens } from '../local/runtime/template-tokens.js';

export const BEGIN_MARKER = '<!-- generated:states:begin -->';
export const END_MARKER = '<!-- generated:states:end -->';

const REPOSITORY_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * The text as `npm run lint` wants it (Biome formats Markdown too, tables padded): what is written is what the
 * linter accepts, so the two never disagree.
 */
export function formatMarkdown(text: string, path: string): string {
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  const result = spawnSync(process.execPath, [biome, 'format', `--stdin-file-path=${path}`], {
    input: text,
    cwd: REPOSITORY_ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`biome could not format ${path}: ${result.stderr || result.error}`);
  return result.stdout;
}

/** The README of a workflow, relative to the repository root. */
export const readmePathOf = (workflow: string) => `state-machines/${workflow}/README.md`;

/** The retry rule CDK adds to every Lambda task (`retryOnServiceExceptions`), shown under one name. */
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
];
const LAMBDA_SERVICE_ERRORS_NAME = 'Lambda service errors';

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  JitterStrategy?: string;
  MaxDelaySeconds?: number;
}
interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}
type ChoiceRule = Record<string, unknown> & { Next?: string };

/** A state with where it sits: `parent` is the Map or Parallel state whose processor holds it. */
interface PlacedState {
  name: string;
  state: AslState;
  parent?: string;
}

/** Reading order: the main path first (Next, then Choice branches in order, then Default), Catch targets after. */
function statesInReadingOrder(definition: AslDefinition, parent?: string): PlacedState[] {
  const ordered: PlacedState[] = [];
  const seen = new Set<string>();
  const deferred: string[] = [];
  const visit = (name: string | undefined) => {
    if (!name || seen.has(name)) return;
    const state = definition.States[name];
    if (!state) return;
    seen.add(name);
    ordered.push(parent ? { name, state, parent } : { name, state });
    for (const processor of processorsOf(state)) ordered.push(...statesInReadingOrder(processor, name));
    for (const catcher of (state.Catch as Catcher[] | undefined) ?? []) deferred.push(catcher.Next);
    visit(state.Next as string | undefined);
    for (const rule of (state.Choices as ChoiceRule[] | undefined) ?? []) visit(rule.Next);
    visit(state.Default as string | undefined);
  };
  visit(definition.StartAt);
  while (deferred.length > 0) visit(deferred.shift());
  // Unreachable states still exist in the definition: show them last rather than hide them.
  for (const name of Object.keys(definition.States)) visit(name);
  return ordered;
}

function processorsOf(state: AslState): AslDefinition[] {
  return [
    ...(state.ItemProcessor ? [state.ItemProcessor] : []),
    ...(state.Iterator ? [state.Iterator] : []),
    ...(state.Branches ?? []),
  ];
}

function plural(count: number, unit: string, units = `${unit}s`): string {
  return `${count} ${count === 1 ? unit : units}`;
}

/** 259200 -> "3 days", 7200 -> "2 hours", 300 -> "5 minutes", 45 -> "45 seconds". */
export function humanDuration(seconds: number): string {
  if (seconds > 0 && seconds % 86_400 === 0) return plural(seconds / 86_400, 'day');
  if (seconds > 0 && seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds > 0 && seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

const code = (text: string) => `\`${text}\``;

function errorNames(names: string[], footnotes: Set<string>): string {
  const isServiceRule =
    names.length === LAMBDA_SERVICE_ERRORS.length && LAMBDA_SERVICE_ERRORS.every((n) => names.includes(n));
  if (isServiceRule) {
    footnotes.add(LAMBDA_SERVICE_ERRORS_NAME);
    return `${LAMBDA_SERVICE_ERRORS_NAME}¹`;
  }
  return names.map(code).join(', ');
}

function describeRetrier(retrier: Retrier, footnotes: Set<string>): string {
  // The defaults of the Amazon States Language when a field is absent.
  const interval = retrier.IntervalSeconds ?? 1;
  const retries = retrier.MaxAttempts ?? 3;
  const backoff = retrier.BackoffRate ?? 2;
  const details = [
    `${plural(retries, 'retry', 'retries')} from ${interval} s`,
    `backoff ${backoff}`,
    ...(retrier.MaxDelaySeconds !== undefined ? [`at most ${retrier.MaxDelaySeconds} s`] : []),
    ...(retrier.JitterStrategy === 'FULL' ? ['full jitter'] : []),
  ];
  return `${errorNames(retrier.ErrorEquals, footnotes)}: ${details.join(', ')}`;
}

function describeCatcher(catcher: Catcher, footnotes: Set<string>): string {
  const at = catcher.ResultPath === undefined ? '' : ` (error at ${code(String(catcher.ResultPath))})`;
  return `${errorNames(catcher.ErrorEquals, footnotes)} → ${code(catcher.Next)}${at}`;
}

const COMPARISONS: Record<string, string> = {
  Equals: '==',
  LessThan: '<',
  GreaterThan: '>',
  LessThanEquals: '<=',
  GreaterThanEquals: '>=',
  Matches: 'matches',
};

/** A Choice rule as a readable condition: `$.slot.acquired == true`, `(a and b)`, `not (a)`. */
export function describeCondition(rule: ChoiceRule): string {
  if (Array.isArray(rule.And)) return `(${(rule.And as ChoiceRule[]).map(describeCondition).join(' and ')})`;
  if (Array.isArray(rule.Or)) return `(${(rule.Or as ChoiceRule[]).map(describeCondition).join(' or ')})`;
  if (rule.Not) return `not (${describeCondition(rule.Not as ChoiceRule)})`;
  const variable = String(rule.Variable ?? rule.Condition ?? '?');
  for (const [operator, operand] of Object.entries(rule)) {
    if (operator === 'Variable' || operator === 'Next') continue;
    const test = /^Is(Present|Null|Boolean|Numeric|String|Timestamp)$/.exec(operator);
    if (test) return `${variable} ${operand === true ? 'is' : 'is not'} ${test[1]?.toLowerCase()}`;
    const comparison =
      /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals|Matches)(Path)?$/.exec(
        operator,
      );
    if (comparison) {
      const right = comparison[3] ? String(operand) : JSON.stringify(operand);
      return `${variable} ${COMPARISONS[comparison[2] as string]} ${right}`;
    }
  }
  return `${variable} ${JSON.stringify(rule)}`;
}

/** What a state calls or decides, for the table. */
function describeAction(state: AslState, pipeline: SynthesizedPipeline): string {
  switch (state.Type) {
    case 'Task':
      return describeTaskResource(state, pipeline);
    case 'Choice': {
      const rules = ((state.Choices as ChoiceRule[] | undefined) ?? []).map(
        (rule) => `${code(describeCondition(rule))} → ${code(String(rule.Next))}`,
      );
      if (state.Default) rules.push(`otherwise → ${code(String(state.Default))}`);
      return rules.join('<br>');
    }
    case 'Wait':
      if (typeof state.Seconds === 'number') return `wait ${state.Seconds} s`;
      if (state.SecondsPath) return `wait the seconds at ${code(String(state.SecondsPath))}`;
      if (state.Timestamp) return `wait until ${code(String(state.Timestamp))}`;
      return `wait until the time at ${code(String(state.TimestampPath))}`;
    case 'Pass':
      if (state.Result !== undefined) return `Result ${code(JSON.stringify(state.Result))}`;
      if (state.Parameters) return `Parameters ${code(`{ ${fieldNames(state.Parameters).join(', ')} }`)}`;
      return 'passes its input on';
    case 'Map': {
      const items = state.ItemsPath ? ` of ${code(String(state.ItemsPath))}` : '';
      const concurrency =
        typeof state.MaxConcurrency === 'number' && state.MaxConcurrency > 0
          ? `${state.MaxConcurrency} at a time`
          : 'all at once';
      const mode = (state.ItemProcessor?.ProcessorConfig as { Mode?: string } | undefined)?.Mode ?? 'INLINE';
      const selector = state.ItemSelector
        ? `; each item ${code(`{ ${fieldNames(state.ItemSelector as Record<string, unknown>).join(', ')} }`)}`
        : '';
      return `each item${items}, ${concurrency} (${mode.toLowerCase()})${selector}`;
    }
    case 'Parallel':
      return `${plural(state.Branches?.length ?? 0, 'branch', 'branches')} at once`;
    case 'Fail':
      return state.Error ? `Error ${code(String(state.Error))}` : 'fails';
    default:
      return '';
  }
}

/** `{ "subjectId.$": ..., "version": 1 }` -> subjectId, version. */
function fieldNames(object: Record<string, unknown>): string[] {
  return Object.keys(object).map((key) => key.replace(/\.\$$/, ''));
}

function describeTaskResource(state: AslState, pipeline: SynthesizedPipeline): string {
  const resource = String(state.Resource);
  const taskOf = (arn: unknown) => {
    const name = pipeline.localHandlerByFunctionArn.get(String(arn));
    return name ? `task ${code(name)}` : `function ${code(String(arn).split(':').pop() ?? String(arn))}`;
  };
  // payloadResponseOnly: the function's ARN is the Resource and its return value the result.
  if (resource.startsWith('arn:aws:lambda:')) return `Lambda, ${taskOf(resource)}`;
  const integration = resource.replace(/^arn:aws:states:::/, '');
  const parameters = state.Parameters ?? {};
  if (integration.startsWith('lambda:invoke')) {
    return `${code(integration)}, ${taskOf(parameters.FunctionName)}`;
  }
  if (integration === 'events:putEvents') {
    const entries = (parameters.Entries as { DetailType?: string }[] | undefined) ?? [];
    return `${code(integration)}: ${entries.map((entry) => code(String(entry.DetailType))).join(', ')}`;
  }
  return code(integration);
}

function describeResultPath(state: AslState): string {
  if (!['Task', 'Pass', 'Map', 'Parallel'].includes(state.Type)) return '';
  if (state.ResultPath === null) return '`null` (discarded)';
  if (state.ResultPath === undefined) return '`$` (replaces the input)';
  return code(String(state.ResultPath));
}

function tableCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function stateTable(workflow: SynthesizedWorkflow, pipeline: SynthesizedPipeline): string[] {
  const footnotes = new Set<string>();
  const rows = statesInReadingOrder(workflow.definition).map(({ name, state, parent }) => {
    const retry = ((state.Retry as Retrier[] | undefined) ?? []).map((r) => describeRetrier(r, footnotes));
    const catches = ((state.Catch as Catcher[] | undefined) ?? []).map((c) => describeCatcher(c, footnotes));
    const timeout =
      typeof state.TimeoutSeconds === 'number'
        ? String(state.TimeoutSeconds)
        : state.TimeoutSecondsPath
          ? code(String(state.TimeoutSecondsPath))
          : '';
    const cells = [
      parent ? `${code(name)} (in ${code(parent)})` : code(name),
      state.Type,
      describeAction(state, pipeline),
      timeout,
      describeResultPath(state),
      retry.join('<br>'),
      catches.join('<br>'),
    ];
    return `| ${cells.map(tableCell).join(' | ')} |`;
  });
  const lines = [
    '| State | Type | Resource, integration or rule | TimeoutSeconds | ResultPath | Retry | Catch |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ];
  if (footnotes.has(LAMBDA_SERVICE_ERRORS_NAME)) {
    lines.push(
      '',
      `¹ ${LAMBDA_SERVICE_ERRORS_NAME}: ${LAMBDA_SERVICE_ERRORS.map(code).join(', ')}. ` +
        '"N retries" is `MaxAttempts`, the retries after the first attempt; the interval grows by the backoff rate.',
    );
  }
  return lines;
}

const MERMAID_RESERVED = new Set(['end', 'graph', 'subgraph', 'flowchart', 'style', 'class', 'classdef']);

/** Mermaid node ids for every state name: the name itself where Mermaid allows it. */
function mermaidIds(states: PlacedState[]): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>(['_start']);
  for (const { name } of states) {
    let id = name.replace(/[^A-Za-z0-9_]/g, '_');
    if (MERMAID_RESERVED.has(id.toLowerCase())) id = `${id}_`;
    while (used.has(id)) id = `${id}_`;
    used.add(id);
    ids.set(name, id);
  }
  return ids;
}

const mermaidText = (text: string) => text.replaceAll('"', '#quot;');

function mermaidNode(id: string, name: string, state: AslState): string {
  const label = mermaidText(state.Retry ? `${name} ↻` : name);
  switch (state.Type) {
    case 'Choice':
      return `${id}{"${label}"}`;
    case 'Pass':
      return `${id}[/"${label}"/]`;
    case 'Wait':
      return `${id}{{"${label}"}}`;
    case 'Succeed':
    case 'Fail':
      return `${id}(["${label}"]):::${state.Type.toLowerCase()}`;
    default:
      return `${id}["${label}"]`;
  }
}

/**
 * The states as a Mermaid flowchart: Next and Choice branches as solid arrows (branches labelled with their
 * condition), Catch as dotted arrows labelled with the errors caught, Map and Parallel processors as subgraphs.
 * Nodes are declared first, each in its subgraph, and the edges after, so that an edge never moves a node.
 */
function flowchart(workflow: SynthesizedWorkflow): string[] {
  const all = statesInReadingOrder(workflow.definition);
  const ids = mermaidIds(all);
  const id = (name: string) => ids.get(name) ?? name;
  const lines = [
    '```mermaid',
    'flowchart TD',
    '  classDef succeed fill:#d3f9d8,stroke:#2b8a3e',
    '  classDef fail fill:#ffe3e3,stroke:#c92a2a',
  ];
  lines.push('  _start(("start"))');
  const declare = (placed: PlacedState[], indent: string) => {
    for (const { name, state } of placed) {
      const processors = processorsOf(state);
      if (processors.length === 0) {
        lines.push(`${indent}${mermaidNode(id(name), name, state)}`);
        continue;
      }
      const settings =
        state.Type === 'Map' && typeof state.MaxConcurrency === 'number' && state.MaxConcurrency > 0
          ? `, ${state.MaxConcurrency} at a time`
          : '';
      lines.push(`${indent}subgraph ${id(name)} ["${mermaidText(`${name} (${state.Type}${settings})`)}"]`);
      lines.push(`${indent}  direction TB`);
      processors.forEach((processor, index) => {
        if (processors.length > 1)
          lines.push(`${indent}  subgraph ${id(name)}_branch_${index + 1} ["branch ${index + 1}"]`);
        declare(
          all.filter((p) => p.parent === name && processor.States[p.name] !== undefined),
          processors.length > 1 ? `${indent}    ` : `${indent}  `,
        );
        if (processors.length > 1) lines.push(`${indent}  end`);
      });
      lines.push(`${indent}end`);
    }
  };
  declare(
    all.filter((p) => p.parent === undefined),
    '  ',
  );
  lines.push(`  _start --> ${id(workflow.definition.StartAt)}`);
  for (const { name, state } of all) {
    if (typeof state.Next === 'string') lines.push(`  ${id(name)} --> ${id(state.Next)}`);
    for (const rule of (state.Choices as ChoiceRule[] | undefined) ?? []) {
      lines.push(`  ${id(name)} -->|"${mermaidText(describeCondition(rule))}"| ${id(String(rule.Next))}`);
    }
    if (typeof state.Default === 'string') lines.push(`  ${id(name)} -->|otherwise| ${id(state.Default)}`);
    for (const catcher of (state.Catch as Catcher[] | undefined) ?? []) {
      lines.push(
        `  ${id(name)} -.->|"${mermaidText(`catch ${catcher.ErrorEquals.join(', ')}`)}"| ${id(catcher.Next)}`,
      );
    }
  }
  lines.push('```');
  return lines;
}

function executionSettings(workflow: SynthesizedWorkflow, pipeline: SynthesizedPipeline): string[] {
  const { template } = pipeline;
  const properties = template.Resources[workflow.logicalId]?.Properties ?? {};
  const type = String(properties.StateMachineType ?? 'STANDARD');
  const logging = properties.LoggingConfiguration as
    | {
        Level?: string;
        IncludeExecutionData?: boolean;
        Destinations?: { CloudWatchLogsLogGroup?: { LogGroupArn?: unknown } }[];
      }
    | undefined;
  const tracing = (properties.TracingConfiguration as { Enabled?: boolean } | undefined)?.Enabled === true;
  const { definition } = workflow;
  const timeout = typeof definition.TimeoutSeconds === 'number' ? definition.TimeoutSeconds : undefined;

  const logGroupArn = logging?.Destinations?.[0]?.CloudWatchLogsLogGroup?.LogGroupArn as
    | { 'Fn::GetAtt'?: [string, string] }
    | undefined;
  const logGroup = logGroupArn?.['Fn::GetAtt'] ? template.Resources[logGroupArn['Fn::GetAtt'][0]] : undefined;
  const logGroupName = logGroup?.Properties?.LogGroupName;
  const retention = logGroup?.Properties?.RetentionInDays;
  const describeLogging = () => {
    if (!logging || (logging.Level ?? 'OFF') === 'OFF') return 'off';
    return [
      `level ${logging.Level}`,
      logging.IncludeExecutionData ? 'with execution data' : 'without execution data',
      ...(logGroupName ? [`to log group ${code(String(resolveTokens(template, logGroupName)))}`] : []),
      ...(logGroup?.Properties?.KmsKeyId ? ['encrypted with a KMS key'] : []),
      ...(typeof retention === 'number' ? [`kept ${plural(retention, 'day')}`] : []),
    ].join(', ');
  };
  const all = statesInReadingOrder(definition);
  const nested = all.filter((p) => p.parent !== undefined).length;
  const rows: [string, string][] = [
    [
      'State machine',
      code(String(resolveTokens(template, properties.StateMachineName ?? workflow.logicalId))),
    ],
    ['Type', type === 'EXPRESS' ? 'Express' : 'Standard'],
    [
      'Execution timeout',
      timeout === undefined
        ? 'none (a Standard execution may run up to a year)'
        : `${timeout} s (${humanDuration(timeout)})`,
    ],
    ['Query language', String(definition.QueryLanguage ?? 'JSONPath')],
    ['Logging', describeLogging()],
    ['Tracing', tracing ? 'X-Ray, active' : 'off'],
    ['Start state', code(definition.StartAt)],
    [
      'States',
      nested > 0 ? `${all.length} (${nested} of them inside Map or Parallel states)` : String(all.length),
    ],
  ];
  return ['| Setting | Value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${tableCell(v)} |`)];
}

/** The text between the markers of a workflow's README (markers excluded). */
export function renderWorkflowSection(workflow: SynthesizedWorkflow, pipeline: SynthesizedPipeline): string {
  return [
    '<!-- Written by `npm run docs:workflows` from the synthesized template (default configuration): edit workflow.ts and the stack, then run it again; do not edit by hand. -->',
    '',
    `**Execution settings.** ${definitionComment(workflow.definition)}`,
    '',
    ...executionSettings(workflow, pipeline),
    '',
    '**States and transitions.** Solid arrows: `Next` and `Choice` branches (labelled with their condition); dotted arrows: `Catch`; ↻: the state has `Retry` rules; a Map or Parallel state is a box around the states it runs.',
    '',
    ...flowchart(workflow),
    '',
    '**Every state**, in reading order: the first branch of each Choice to its end, then the other branches, then where each `Catch` leads.',
    '',
    ...stateTable(workflow, pipeline),
  ].join('\n');
}

function definitionComment(definition: AslDefinition): string {
  return typeof definition.Comment === 'string'
    ? `"${definition.Comment}" (the definition's \`Comment\`).`
    : '';
}

export class MissingMarkersError extends Error {
  override name = 'MissingMarkersError';
}

/** The README with `section` between its markers; everything outside them is kept as it is. */
export function replaceGeneratedSection(readme: string, section: string, where: string): string {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) {
    throw new MissingMarkersError(`${where} needs the lines ${BEGIN_MARKER} and, after it, ${END_MARKER}`);
  }
  return `${readme.slice(0, begin + BEGIN_MARKER.length)}\n${section}\n${readme.slice(end)}`;
}

/** The first line (1-based) where two texts differ, with both versions of it; undefined when equal. */
export function firstDifference(
  committed: string,
  generated: string,
): { line: number; committed: string | undefined; generated: string | undefined } | undefined {
  if (committed === generated) return undefined;
  const a = committed.split('\n');
  const b = generated.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    if (a[i] !== b[i]) return { line: i + 1, committed: a[i], generated: b[i] };
  }
  return { line: a.length, committed: a.at(-1), generated: b.at(-1) };
}

/** Backticked state names at the head of a list item in the hand-written prose (`- \`Train\`: ...`). */
export function statesNamedInProse(readme: string): string[] {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  const prose = begin >= 0 && end > begin ? readme.slice(0, begin) + readme.slice(end) : readme;
  return prose.split('\n').flatMap((line) => {
    const head = /^\s*[-*] ((?:`[A-Z][A-Za-z0-9]*`(?:, | \/ | and )?)+)/.exec(line);
    return head ? [...(head[1] as string).matchAll(/`([A-Za-z0-9]+)`/g)].map((m) => m[1] as string) : [];
  });
}

export interface WorkflowReadme {
  workflow: string;
  /** Relative to the repository root. */
  path: string;
  committed: string;
  /** The README as `npm run docs:workflows` would write it. */
  generated: string;
  /** States the prose names at the head of a list item that the definition does not have. */
  unknownStates: string[];
}

/** Every workflow's README, as committed and as it would be generated from a synthesis of the app. */
export function workflowReadmes(pipeline: SynthesizedPipeline = synthesizePipeline()): WorkflowReadme[] {
  return pipeline.workflows.map((workflow) => {
    const path = readmePathOf(workflow.workflow);
    const committed = readFileSync(resolve(REPOSITORY_ROOT, path), 'utf8');
    const generated = formatMarkdown(
      replaceGeneratedSection(committed, renderWorkflowSection(workflow, pipeline), path),
      path,
    );
    const names = new Set(statesInReadingOrder(workflow.definition).map((p) => p.name));
    const unknownStates = statesNamedInProse(committed).filter((name) => !names.has(name));
    return { workflow: workflow.workflow, path, committed, generated, unknownStates };
  });
}

/** What is wrong with a README, one sentence each: it differs from its generated form, or names unknown states. */
export function readmeProblems(readme: WorkflowReadme): string[] {
  const problems: string[] = [];
  const difference = firstDifference(readme.committed, readme.generated);
  if (difference) {
    problems.push(
      `${readme.path} differs from the synthesized ${readme.workflow} definition at line ${difference.line}:\n` +
        `  committed: ${difference.committed ?? '(no line)'}\n` +
        `  generated: ${difference.generated ?? '(no line)'}\n` +
        'Run `npm run docs:workflows` and commit the README.',
    );
  }
  if (readme.unknownStates.length > 0) {
    problems.push(
      `${readme.path} names states the ${readme.workflow} definition does not have: ${readme.unknownStates.join(', ')}`,
    );
  }
  return problems;
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  let failed = false;
  for (const readme of workflowReadmes()) {
    if (!check && readme.generated !== readme.committed) {
      writeFileSync(resolve(REPOSITORY_ROOT, readme.path), readme.generated);
      console.log(`wrote ${readme.path}`);
    } else if (!check) {
      console.log(`${readme.path} is up to date`);
    }
    // Once written, the generated part is right; prose that names a missing state still needs a person.
    const problems = readmeProblems(check ? readme : { ...readme, committed: readme.generated });
    for (const problem of problems) console.error(problem);
    failed ||= problems.length > 0;
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
