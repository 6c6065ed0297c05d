import { type Environment, getNumberFromEnv, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { DEFAULT_SECRET_OVERLAP_SECONDS } from './endpoint-management.js';
import { parseAllowedPorts, type WebhookUrlPolicy } from './url-guard.js';

/** WEBHOOK_ALLOWED_PORTS (default none but 443) and WEBHOOK_LOOPBACK_RECEIVERS (`true` only locally). */
export function readUrlPolicyFromEnvironment(env: Environment = process.env): WebhookUrlPolicy {
  return {
    allowedPorts: parseAllowedPorts(getStringFromEnv(Env.webhookAllowedPorts, { defaultValue: '', env })),
    allowLoopback: getStringFromEnv(Env.webhookLoopbackReceivers, { defaultValue: 'false', env }) === 'true',
  };
}

/** WEBHOOK_SECRET_OVERLAP_SECONDS (default 24 h). */
export function readSecretOverlapFromEnvironment(env: Environment = process.env): number {
  return getNumberFromEnv(Env.webhookSecretOverlapSeconds, {
    defaultValue: DEFAULT_SECRET_OVERLAP_SECONDS,
    integer: true,
    min: 0,
    env,
  });
}
