import { DEFAULT_TENANT_ID } from '../../events/identifiers.js';
import { type Environment, getStringFromEnv } from './environment.js';
import { EnvironmentVariables as Env } from './environment-variables.js';

/**
 * The tenant an event that came over the bus acts for, decided by the AWS account that put it there (the event's
 * `account`, which EventBridge sets and no sender can forge), never by anything in its detail: this account's own
 * principals act for the default tenant, a partner account for the tenant `partnerAccounts` (context) maps it to.
 * Undefined for an account the bus admitted (through `partnerOrganizationId`) that no tenant is mapped to: the
 * caller refuses the request.
 */
export function partnerTenantOf(
  event: { readonly account?: string | undefined },
  ownAccount: string,
  partnerAccounts: Readonly<Record<string, string>>,
): string | undefined {
  const { account } = event;
  // A replay or a test may start a workflow with the fields it reads only: that is an operator, in this account.
  if (account === undefined || account === ownAccount) return DEFAULT_TENANT_ID;
  return Object.hasOwn(partnerAccounts, account) ? partnerAccounts[account] : undefined;
}

/** PARTNER_ACCOUNTS (JSON account -> tenant, default `{}`) and OWN_ACCOUNT. */
export function readPartnerAccountsFromEnvironment(env: Environment = process.env): {
  ownAccount: string;
  partnerAccounts: Record<string, string>;
} {
  return {
    ownAccount: getStringFromEnv(Env.ownAccount, { env }),
    partnerAccounts: JSON.parse(getStringFromEnv(Env.partnerAccounts, { defaultValue: '{}', env })) as Record<
      string,
      string
    >,
  };
}
