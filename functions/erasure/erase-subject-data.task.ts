import { ErasureStepInput } from '../../state-machines/erasure/contract.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { eraseSubjectData } from './erase-subject-data.js';
import { ERASE_ENVIRONMENT, erasureStores } from './erasure-deps.js';
import { MalformedErasureTaskInputError } from './errors.js';

/** EraseSubjectData: every version of every object of the subject, then every row of every store. */
export const eraseSubjectDataTask = defineTask({
  name: 'eraseSubjectData',
  entry: 'functions/erasure/erase-subject-data.handler.ts',
  env: ERASE_ENVIRONMENT,
  parse: taskInputParser('EraseSubjectData', ErasureStepInput, MalformedErasureTaskInputError),
  build: (env, ports: Pick<Ports, 'objectVersions' | 'documentClient'>) => {
    const deps = erasureStores(env, ports);
    return (input: ErasureStepInput) => eraseSubjectData(input, deps);
  },
});
