import { setTimeout as sleep } from 'node:timers/promises';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, withObservability } from './platform/observability.js';
import { type AnyTaskDescriptor, buildTask, type InputOf, type PortsOf } from './platform/task.js';
import type { CommonPortName, CommonPorts } from './ports.js';

/** On AWS: the real clock, Powertools logs and metrics, and the AWS services named in every event. */
const AWS_COMMON_PORTS: CommonPorts = {
  clock: { now: Date.now, sleep: (ms) => sleep(ms).then(() => undefined), random: Math.random },
  log: {
    info: (message, fields = {}) => logger.info(message, fields),
    warn: (message, fields = {}) => logger.warn(message, fields),
    error: (message, fields = {}) => logger.error(message, fields),
  },
  metrics: { count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value) },
  provenance: {
    trainedBy: 'amazon-sagemaker',
    servedBy: 'amazon-sagemaker',
    imagesScreenedBy: 'amazon-rekognition',
    photosCheckedBy: 'amazon-rekognition',
  },
};

/**
 * A task's Lambda handler: the task built once per cold start (in the init phase) from `process.env` and the AWS
 * ports it names, inside the observability middleware. A handler file is this call and nothing else.
 */
export function lambdaHandler<Task extends AnyTaskDescriptor>(
  task: Task,
  awsPorts: Omit<PortsOf<Task>, CommonPortName>,
) {
  const run = buildTask(task, process.env, { ...AWS_COMMON_PORTS, ...awsPorts });
  return withObservability(async (event: unknown) => run(task.parse(event) as InputOf<Task>));
}
