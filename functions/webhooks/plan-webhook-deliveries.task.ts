import { PlanWebhookDeliveriesInput } from '../../state-machines/webhooks/contract.js';
import { SubjectLedger } from '../ingest/subject-ledger.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedWebhookTaskInputError } from './errors.js';
import { planWebhookDeliveries } from './plan-deliveries.js';
import { readUrlPolicyFromEnvironment } from './webhook-settings.js';
import { WebhookStore } from './webhook-store.js';

/** PlanWebhookDeliveries: a pipeline event (or a redrive) in, one delivery per destination out. */
export const planWebhookDeliveriesTask = defineTask({
  name: 'planWebhookDeliveries',
  entry: 'functions/webhooks/plan-webhook-deliveries.handler.ts',
  env: [Env.webhooksTable, Env.ledgerTable, Env.webhookAllowedPorts, Env.webhookLoopbackReceivers],
  parse: taskInputParser('PlanWebhookDeliveries', PlanWebhookDeliveriesInput, MalformedWebhookTaskInputError),
  build: (env, ports: Pick<Ports, 'documentClient' | 'clock' | 'log'>) => {
    const db = ports.documentClient();
    const deps = {
      store: new WebhookStore(db, getStringFromEnv(Env.webhooksTable, { env })),
      subjects: new SubjectLedger(db, getStringFromEnv(Env.ledgerTable, { env })),
      urlPolicy: readUrlPolicyFromEnvironment(env),
      now: () => ports.clock.now(),
      log: ports.log,
    };
    return (input: PlanWebhookDeliveriesInput) => planWebhookDeliveries(input, deps);
  },
});
