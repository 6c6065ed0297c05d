import { DeliverWebhookInput } from '../../state-machines/webhooks/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { deliverWebhook } from './deliver-webhook.js';
import { MalformedWebhookTaskInputError } from './errors.js';
import { readUrlPolicyFromEnvironment } from './webhook-settings.js';
import { WebhookStore } from './webhook-store.js';

/** AttemptWebhookDelivery: one signed POST of one message to one destination, and what comes next. */
export const deliverWebhookTask = defineTask({
  name: 'deliverWebhook',
  entry: 'functions/webhooks/deliver-webhook.handler.ts',
  env: [Env.webhooksTable, Env.webhookAllowedPorts, Env.webhookLoopbackReceivers],
  parse: taskInputParser('AttemptWebhookDelivery', DeliverWebhookInput, MalformedWebhookTaskInputError),
  build: (env, ports: Pick<Ports, 'documentClient' | 'clock' | 'log' | 'metrics'>) => {
    const deps = {
      store: new WebhookStore(ports.documentClient(), getStringFromEnv(Env.webhooksTable, { env })),
      urlPolicy: readUrlPolicyFromEnvironment(env),
      clock: ports.clock,
      log: ports.log,
      metrics: ports.metrics,
    };
    return (input: DeliverWebhookInput) => deliverWebhook(input, deps);
  },
});
