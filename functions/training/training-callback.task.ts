import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { CallbackTokens } from './callback-tokens.js';
import { countNotificationOutcomes } from './training-metrics.js';
import { handleTrainingNotification, notificationMessagesOf } from './training-notification.js';

/** SuccessTopic / ErrorTopic of the training endpoint -> SendTaskSuccess / SendTaskFailure. */
export const trainingCallbackTask = defineTask({
  name: 'trainingCallback',
  entry: 'functions/training/training-callback.handler.ts',
  env: [Env.trainingStateTable],
  parse: notificationMessagesOf,
  build: (env, ports: Pick<Ports, 'documentClient' | 'taskCallbacks' | 'log' | 'metrics'>) => {
    const deps = {
      tokens: new CallbackTokens(ports.documentClient(), getStringFromEnv(Env.trainingStateTable, { env })),
      callbacks: ports.taskCallbacks(),
      log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) =>
        ports.log[level](message, fields),
    };
    return async (messages: string[]) =>
      countNotificationOutcomes(
        await Promise.all(messages.map((message) => handleTrainingNotification(message, deps))),
        ports.metrics,
      );
  },
});
