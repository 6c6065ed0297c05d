import { ErasureTombstones } from '../erasure/erasure-tombstones.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { CallbackTokens } from './callback-tokens.js';
import { countNotificationOutcomes } from './training-metrics.js';
import {
  type DeliveredNotification,
  deliveredNotificationsOf,
  handleTrainingNotification,
} from './training-notification.js';

/** SuccessTopic / ErrorTopic of the training endpoint -> SendTaskSuccess / SendTaskFailure. */
export const trainingCallbackTask = defineTask({
  name: 'trainingCallback',
  entry: 'functions/training/training-callback.handler.ts',
  env: [Env.trainingStateTable, Env.photoBucket, Env.trainingSuccessTopicArn, Env.trainingErrorTopicArn],
  parse: deliveredNotificationsOf,
  build: (
    env,
    ports: Pick<
      Ports,
      'documentClient' | 'taskCallbacks' | 'objectStore' | 'objectVersions' | 'log' | 'metrics'
    >,
  ) => {
    const db = ports.documentClient();
    const table = getStringFromEnv(Env.trainingStateTable, { env });
    const bucket = getStringFromEnv(Env.photoBucket, { env });
    const deps = {
      tokens: new CallbackTokens(db, table),
      callbacks: ports.taskCallbacks(),
      log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) =>
        ports.log[level](message, fields),
      provenance: {
        successTopicArn: getStringFromEnv(Env.trainingSuccessTopicArn, { env }),
        errorTopicArn: getStringFromEnv(Env.trainingErrorTopicArn, { env }),
        bucket,
        store: ports.objectStore(bucket),
      },
      erasure: {
        tombstones: new ErasureTombstones(db, table),
        versions: ports.objectVersions(bucket),
        bucket,
      },
    };
    return async (notifications: DeliveredNotification[]) =>
      countNotificationOutcomes(
        await Promise.all(
          notifications.map(({ message, topicArn }) =>
            handleTrainingNotification(message, deps, { topicArn }),
          ),
        ),
        ports.metrics,
      );
  },
});
