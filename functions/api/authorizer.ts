import type { Principal } from './http.js';

/** Where a credential is looked up (ClientKeys on DynamoDB). */
export interface CredentialVerifier {
  verify(apiKey: string): Promise<Principal | undefined>;
}

/** Seconds API Gateway caches an authorizer's answer per Authorization header: a revoked key works this long at most. */
export const AUTHORIZER_CACHE_TTL_SECONDS = 60;

const BEARER = /^Bearer ([^\s]+)$/;

/**
 * The one check of every request, on API Gateway (the REQUEST authorizer) and on the local server alike: a
 * `Bearer` API key that verifies names the tenant and client; anything else is no principal at all.
 */
export async function authenticate(
  authorization: string | undefined,
  verifier: CredentialVerifier,
): Promise<Principal | undefined> {
  const match = authorization ? BEARER.exec(authorization.trim()) : null;
  if (!match) return undefined;
  return verifier.verify(match[1] as string);
}

/**
 * The REQUEST authorizer's answer. The policy covers every method of the stage because API Gateway caches it per
 * header for all routes; `usageIdentifierKey` is the client id, the value of its API Gateway API key, so usage
 * plans throttle per client (apiKeySource AUTHORIZER). Throwing `Unauthorized` makes API Gateway answer 401.
 */
export function authorizerResponse(principal: Principal, methodArn: string) {
  // arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<method>/<path> -> every method of the stage.
  const [prefix, stage] = methodArn.split('/');
  return {
    principalId: principal.clientId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${prefix}/${stage}/*` }],
    },
    context: {
      tenantId: principal.tenantId,
      clientId: principal.clientId,
      ...(principal.mode ? { mode: principal.mode } : {}),
    },
    usageIdentifierKey: principal.clientId,
  };
}
