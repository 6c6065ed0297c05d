import * as z from 'zod';
import { EventBridgeSchema } from '../platform/aws-event-schemas.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { DailyOutcomes } from './daily-outcomes.js';
import { type DailySummaryRequest, sendDailySummary } from './daily-summary.js';
import { MalformedOperationsInputError } from './errors.js';

const Day = z.iso.date().describe('A UTC day, YYYY-MM-DD');

/** The schedule's event (summarise the day before it fired), or `{"day": "YYYY-MM-DD"}` to send a day again. */
export const DailySummaryInput = z.union([
  EventBridgeSchema.transform((event): DailySummaryRequest => ({ scheduledAt: event.time })),
  z.object({ day: Day }).strict(),
]);

/** SendDailySummary: once a day, yesterday's counts to the operators' topic. */
export const sendDailySummaryTask = defineTask({
  name: 'sendDailySummary',
  entry: 'functions/operations/send-daily-summary.handler.ts',
  env: [Env.operationsTable, Env.operatorTopicArn, Env.operationsDashboard],
  parse: taskInputParser('SendDailySummary', DailySummaryInput, MalformedOperationsInputError),
  build: (env, ports: Pick<Ports, 'documentClient' | 'operatorNotices' | 'clock'>) => {
    const deps = {
      outcomes: new DailyOutcomes(
        ports.documentClient(),
        getStringFromEnv(Env.operationsTable, { env }),
        ports.clock.now,
      ),
      notices: ports.operatorNotices(getStringFromEnv(Env.operatorTopicArn, { env })),
      dashboardName: getStringFromEnv(Env.operationsDashboard, { env }),
    };
    return (request: DailySummaryRequest) => sendDailySummary(request, deps);
  },
});
