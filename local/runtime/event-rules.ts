import type { PublishedEvent } from './local-event-bus.js';
import { LOCAL_HANDLER_METADATA } from './synthesized-pipeline.js';
import { resolveTokens, type Template } from './template-tokens.js';

/**
 * EventBridge rules on the pipeline's own bus, as the stack declares them: an event that matches a rule's
 * pattern starts the rule's state machine target with the whole event as input. Patterns: nested objects, and
 * per field an array of alternatives, each an exact value or one of the content filters `anything-but` (a value
 * or a list of values), `prefix` and `exists`, as EventBridge matches them. Any other filter (numeric, wildcard,
 * suffix...) is refused with an error rather than silently mismatched.
 */
export interface LocalRule {
  ruleId: string;
  pattern: Record<string, unknown>;
  /** State machine ARN, as a Ref to it resolves locally. */
  stateMachineArn: string;
}

/** The rules on one bus, with their patterns and their targets as the template writes them. */
function rulesOnBus(template: Template, eventBusName: string) {
  return Object.entries(template.Resources).flatMap(([ruleId, resource]) => {
    if (resource.Type !== 'AWS::Events::Rule') return [];
    const props = resource.Properties ?? {};
    const bus =
      props.EventBusName === undefined ? 'default' : String(resolveTokens(template, props.EventBusName));
    if (bus !== eventBusName) return [];
    const pattern = props.EventPattern as Record<string, unknown>;
    return [{ ruleId, pattern, targets: (props.Targets ?? []) as { Arn: unknown }[] }];
  });
}

export function busRules(template: Template, eventBusName: string): LocalRule[] {
  return rulesOnBus(template, eventBusName).flatMap(({ ruleId, pattern, targets }) =>
    targets
      .map((target) => String(resolveTokens(template, target.Arn)))
      .filter((arn) => arn.includes(':stateMachine:'))
      .map((stateMachineArn) => ({ ruleId, pattern, stateMachineArn })),
  );
}

/** A rule on the bus whose target is one of our functions: EventBridge invokes it with the whole event. */
export interface LocalFunctionRule {
  ruleId: string;
  pattern: Record<string, unknown>;
  /** The function's local handler (its task's name in the registry). */
  localHandler: string;
}

export function busFunctionRules(template: Template, eventBusName: string): LocalFunctionRule[] {
  return rulesOnBus(template, eventBusName).flatMap(({ ruleId, pattern, targets }) =>
    targets.flatMap((target) => {
      const getAtt = (target.Arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      const fn = getAtt ? template.Resources[getAtt[0]] : undefined;
      const localHandler =
        fn?.Type === 'AWS::Lambda::Function' ? fn.Metadata?.[LOCAL_HANDLER_METADATA] : undefined;
      return typeof localHandler === 'string' ? [{ ruleId, pattern, localHandler }] : [];
    }),
  );
}

export class UnsupportedPatternError extends Error {
  override name = 'UnsupportedPatternError';
}

export function matchesPattern(event: unknown, pattern: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    const container = event as Record<string, unknown> | undefined;
    const present = container !== null && typeof container === 'object' && field in container;
    const actual = present ? container[field] : undefined;
    if (Array.isArray(expected))
      return expected.some((alternative) => matchesValue(actual, present, alternative));
    if (expected !== null && typeof expected === 'object') {
      return matchesPattern(actual, expected as Record<string, unknown>);
    }
    return expected === actual;
  });
}

/** One alternative of a field's array: an exact value, or a content filter. A list value matches if any item does. */
function matchesValue(actual: unknown, present: boolean, alternative: unknown): boolean {
  if (alternative === null || typeof alternative !== 'object') {
    return Array.isArray(actual) ? actual.includes(alternative) : actual === alternative;
  }
  const entries = Object.entries(alternative as Record<string, unknown>);
  const [filter, operand] = entries[0] ?? [];
  if (entries.length !== 1 || filter === undefined) {
    throw new UnsupportedPatternError(`Unsupported content filter ${JSON.stringify(alternative)}`);
  }
  switch (filter) {
    case 'exists':
      return operand === present;
    case 'prefix':
      return (
        present && typeof actual === 'string' && typeof operand === 'string' && actual.startsWith(operand)
      );
    case 'anything-but': {
      // Matches a present value that is none of the listed ones (EventBridge never matches an absent field here).
      if (!present) return false;
      if (operand !== null && typeof operand === 'object' && !Array.isArray(operand)) {
        throw new UnsupportedPatternError(`Unsupported anything-but filter ${JSON.stringify(operand)}`);
      }
      const excluded = Array.isArray(operand) ? operand : [operand];
      // A list value matches when any of its items does, as for every EventBridge filter.
      const values = Array.isArray(actual) ? actual : [actual];
      return values.some((value) => !excluded.includes(value));
    }
    default:
      throw new UnsupportedPatternError(
        `The local bus does not implement the "${filter}" filter of ${JSON.stringify(alternative)}`,
      );
  }
}

export function rulesMatching<Rule extends { pattern: Record<string, unknown> }>(
  rules: Rule[],
  event: PublishedEvent,
): Rule[] {
  return rules.filter((rule) => matchesPattern(event, rule.pattern));
}
