import { lambdaHandler } from '../lambda-handler.js';
import { compileAvatarsTask } from './compile-avatars.task.js';

export const handler = lambdaHandler(compileAvatarsTask, {});
