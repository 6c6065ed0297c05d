import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { apiAuthorizerTask } from '../../../functions/api/authorizer.task.js';
import { API_ROUTES } from '../../../functions/api/routes.js';
import { TASKS, type TaskName } from '../../../functions/task-registry.js';
import {
  type AslDefinition,
  environmentOf,
  fromTemplate,
  LOCAL_HANDLER_METADATA,
} from '../../../local/runtime/synthesized-pipeline.js';
import type { Template } from '../../../local/runtime/template-tokens.js';
import { synthesizePipeline } from './synthesized-pipeline.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Every Task state of a definition, Map and Parallel branches included, with the resource it calls. */
function taskStates(definition: AslDefinition): { state: string; resource: string; functionName?: string }[] {
  return Object.entries(definition.States).flatMap(([state, body]) => {
    const nested = [
      ...(body.Branches ?? []),
      ...(body.ItemProcessor ? [body.ItemProcessor] : []),
      ...(body.Iterator ? [body.Iterator] : []),
    ].flatMap(taskStates);
    if (body.Type !== 'Task') return nested;
    const resource = String(body.Resource);
    // The optimized integration names the function in Parameters; payloadResponseOnly makes it the Resource.
    const functionName = resource.startsWith('arn:aws:lambda:')
      ? resource
      : (body.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName;
    return [{ state, resource, functionName: functionName ? String(functionName) : undefined }, ...nested];
  });
}

describe('the task registry and the synthesized stack', () => {
  const { template: assertions } = synthesizePipeline();
  const template = assertions.toJSON() as Template;
  const pipeline = fromTemplate(template);
  const functions = Object.entries(template.Resources).filter(
    ([, resource]) =>
      resource.Type === 'AWS::Lambda::Function' && resource.Metadata?.[LOCAL_HANDLER_METADATA],
  );

  test('every Lambda Task state of both workflows invokes a function whose task is in the registry', () => {
    // Prepare
    const lambdaStates = pipeline.workflows.flatMap((workflow) =>
      taskStates(workflow.definition)
        .filter((task) => task.functionName !== undefined || task.resource.includes(':lambda:'))
        .map((task) => ({ ...task, workflow: workflow.workflow })),
    );
    // Act
    const unregistered = lambdaStates.filter((task) => {
      const name = task.functionName ? pipeline.localHandlerByFunctionArn.get(task.functionName) : undefined;
      return !name || !(name in TASKS);
    });
    // Assess
    expect(lambdaStates.length).toBeGreaterThanOrEqual(14);
    expect(unregistered).toEqual([]);
  });

  test('every function of the stack runs a registered task, and every registered task is deployed once', () => {
    // Prepare
    const deployed = functions.map(([, resource]) => String(resource.Metadata?.[LOCAL_HANDLER_METADATA]));
    // Act
    // The workflow tasks, and the HTTP API's authorizer and routes (functions/api/routes.ts).
    const registered = [
      ...Object.keys(TASKS),
      apiAuthorizerTask.name,
      ...API_ROUTES.map((route) => route.name),
    ].sort();
    // Assess
    expect([...deployed].sort()).toEqual(registered);
  });

  test.each(Object.keys(TASKS) as TaskName[])(
    'the deployed function of %s gets every environment variable its descriptor reads',
    (name) => {
      // Prepare
      const task = TASKS[name];
      // Act
      const environment = environmentOf(pipeline, name);
      // Assess
      const missing = task.env.filter((variable) => environment[variable] === undefined);
      expect(missing).toEqual([]);
    },
  );

  test.each(Object.entries(TASKS))('the descriptor %s is keyed by its own name', (key, task) => {
    expect(task.name).toBe(key);
  });

  test.each(Object.values(TASKS).map((task) => [task.name, task.entry] as const))(
    'the handler of %s is one call of lambdaHandler over its descriptor',
    (_name, entry) => {
      // Prepare
      const file = `${root}${entry}`;
      // Act
      const source = existsSync(file) ? readFileSync(file, 'utf8') : '';
      // Assess
      expect(source).toMatch(/export const handler = lambdaHandler\(\w+Task, \{[^;]*\}\);\s*$/);
      expect(source.match(/export /g)).toHaveLength(1);
    },
  );
});
