import { stepFunctionsExecutionControl } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { stopSubjectExecutionsTask } from './stop-subject-executions.task.js';

export const handler = lambdaHandler(stopSubjectExecutionsTask, {
  executionControl: stepFunctionsExecutionControl,
});
