import { VerifyErasureInput } from '../../state-machines/erasure/contract.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { ERASE_ENVIRONMENT, erasureStores } from './erasure-deps.js';
import { MalformedErasureTaskInputError } from './errors.js';
import { verifyErasure } from './verify-erasure.js';

/** VerifyErasure: the re-list, and the Subject Erased manifest once nothing is left. */
export const verifyErasureTask = defineTask({
  name: 'verifyErasure',
  entry: 'functions/erasure/verify-erasure.handler.ts',
  env: ERASE_ENVIRONMENT,
  parse: taskInputParser('VerifyErasure', VerifyErasureInput, MalformedErasureTaskInputError),
  build: (env, ports: Pick<Ports, 'objectVersions' | 'documentClient' | 'clock'>) => {
    const deps = { ...erasureStores(env, ports), now: ports.clock.now };
    return (input: VerifyErasureInput) => verifyErasure(input, deps);
  },
});
