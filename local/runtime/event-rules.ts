import type { PublishedEvent } from './local-event-bus.js';
import { resolveTokens, type Template } from './template-tokens.js';

/**
 * EventBridge rules on the pipeline's own bus, as the stack declares them: an event that matches a rule's
 * pattern starts the rule's state machine target with the whole event as input. Patterns here use what our
 * rules use: exact values and arrays of values, nested under `detail` (no prefix or numeric matching).
 */
export interface LocalRule {
  ruleId: string;
  pattern: Record<string, unknown>;
  /** State machine ARN, as a Ref to it resolves locally. */
  stateMachineArn: string;
}

export function busRules(template: Template, eventBusName: string): LocalRule[] {
  return Object.entries(template.Resources).flatMap(([ruleId, resource]) => {
    if (resource.Type !== 'AWS::Events::Rule') return [];
    const props = resource.Properties ?? {};
    const bus =
      props.EventBusName === undefined ? 'default' : String(resolveTokens(template, props.EventBusName));
    if (bus !== eventBusName) return [];
    const targets = (props.Targets ?? []) as { Arn: unknown }[];
    return targets
      .map((target) => String(resolveTokens(template, target.Arn)))
      .filter((arn) => arn.includes(':stateMachine:'))
      .map((stateMachineArn) => ({
        ruleId,
        pattern: props.EventPattern as Record<string, unknown>,
        stateMachineArn,
      }));
  });
}

export function matchesPattern(event: unknown, pattern: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    const actual = (event as Record<string, unknown> | undefined)?.[field];
    if (Array.isArray(expected)) return expected.some((value) => value === actual);
    if (expected !== null && typeof expected === 'object') {
      return matchesPattern(actual, expected as Record<string, unknown>);
    }
    return expected === actual;
  });
}

export function rulesMatching(rules: LocalRule[], event: PublishedEvent): LocalRule[] {
  return rules.filter((rule) => matchesPattern(event, rule.pattern));
}
