import { SFNClient } from '@aws-sdk/client-sfn';
import type { SNSEvent } from 'aws-lambda';
import { requiredEnv } from '../platform/environment.js';
import { logger, tracer, withObservability } from '../platform/observability.js';
import { CallbackTokens } from './callback-tokens.js';
import { StepFunctionsTaskCallbacks } from './task-callbacks.js';
import { countNotificationOutcomes } from './training-metrics.js';
import { handleTrainingNotification } from './training-notification.js';
import { trainingStateDb } from './training-state-table.js';

const deps = {
  tokens: new CallbackTokens(trainingStateDb(), requiredEnv('TRAINING_STATE_TABLE')),
  callbacks: new StepFunctionsTaskCallbacks(tracer.captureAWSv3Client(new SFNClient({}))),
  log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) =>
    logger[level](message, fields),
};

/** SuccessTopic / ErrorTopic of the training endpoint -> SendTaskSuccess / SendTaskFailure. */
export const handler = withObservability(async (event: SNSEvent) =>
  countNotificationOutcomes(
    await Promise.all(event.Records.map((record) => handleTrainingNotification(record.Sns.Message, deps))),
  ),
);
