import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { ClientRegistration } from '../../local/api/tenants.js';
import { API_STACK_OUTPUTS } from '../stack-outputs.js';

/** The stack is not there, or was deployed by a version without the outputs the tenant commands read. */
export class StackOutputsError extends Error {
  override name = 'StackOutputsError';
}

export interface ApiClientsOfStack {
  clientsTable: string;
  usagePlanId: string;
}

/** The clients table and the usage plan of a deployed stack, from its outputs (DescribeStacks). */
export async function apiClientsOfStack(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<ApiClientsOfStack> {
  let outputs: Record<string, string | undefined>;
  try {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue]));
  } catch (error) {
    if ((error as { name?: string }).name === 'ValidationError') {
      throw new StackOutputsError(
        `Stack "${stackName}" was not found in this account and region: pass the stack name \`npm run deploy\` created (--stack, default AvatarPipeline) and its region (--region or AWS_REGION)`,
      );
    }
    throw error;
  }
  const clientsTable = outputs[API_STACK_OUTPUTS.clientsTable];
  const usagePlanId = outputs[API_STACK_OUTPUTS.usagePlan];
  if (!clientsTable || !usagePlanId) {
    throw new StackOutputsError(
      `Stack "${stackName}" has no ${API_STACK_OUTPUTS.clientsTable} / ${API_STACK_OUTPUTS.usagePlan} outputs: deploy this version of the project first (npm run deploy)`,
    );
  }
  return { clientsTable, usagePlanId };
}

/**
 * The gateway half of a new client: an API key whose value is the client id (what the authorizer returns as
 * `usageIdentifierKey`, the API's key source being AUTHORIZER) in the per-client usage plan. Without it every
 * request of the client would be refused with 403 by the gateway, after the authorizer let it in.
 */
export function usagePlanRegistration(apiGateway: APIGatewayClient, usagePlanId: string): ClientRegistration {
  return async ({ tenantId, clientId }) => {
    const key = await apiGateway.send(
      new CreateApiKeyCommand({
        name: `avatar-client-${clientId}`,
        description: `API client ${clientId} of tenant ${tenantId} (the value is the client id, not a secret)`,
        value: clientId,
        enabled: true,
        tags: { tenant: tenantId },
      }),
    );
    const undo = async () => {
      await apiGateway.send(new DeleteApiKeyCommand({ apiKey: key.id }));
    };
    try {
      await apiGateway.send(
        new CreateUsagePlanKeyCommand({ usagePlanId, keyId: key.id, keyType: 'API_KEY' }),
      );
    } catch (error) {
      await undo();
      throw error;
    }
    return { undo };
  };
}
