import { resolve } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command, CommanderError, Option } from 'commander';
import { environmentOf } from '../runtime/synthesized-pipeline.js';
import { DataFolder } from '../state/data-folder.js';
import { openDataPipeline } from './api-session.js';
import { clientInboxOf } from './client-inbox.js';
import {
  addTenant,
  addTenantThroughInbox,
  type ClientRegistration,
  InvalidTenantNameError,
  keysOfTenantClient,
  revokeClientKey,
  rotateClientKey,
} from './tenants.js';

/** Where the clients table is: the local state of a data folder, or a deployed stack (`--stack`). */
interface ClientsTarget {
  db: DynamoDBDocumentClient;
  table: string;
  /** On AWS: the client's API Gateway key in the usage plan, made before its rows. */
  register?: ClientRegistration;
  where: string;
  close(): Promise<void>;
}

interface TargetOptions {
  data: string;
  stack?: string;
  region?: string;
}

/** The errors a person fixes by changing the command line: printed as `error: ...` with exit 2. */
const USAGE_ERRORS = ['InvalidTenantNameError', 'UnknownClientError', 'StackOutputsError'];

async function openTarget(options: TargetOptions): Promise<ClientsTarget> {
  if (options.stack) {
    // Loaded only for --stack: the local commands need no AWS client libraries beyond DynamoDB's.
    const [
      { CloudFormationClient },
      { APIGatewayClient },
      { DynamoDBClient },
      { DynamoDBDocumentClient },
      tools,
    ] = await Promise.all([
      import('@aws-sdk/client-cloudformation'),
      import('@aws-sdk/client-api-gateway'),
      import('@aws-sdk/client-dynamodb'),
      import('@aws-sdk/lib-dynamodb'),
      import('../../infra/tools/api-gateway-clients.js'),
    ]);
    const region = options.region ? { region: options.region } : {};
    const cfn = new CloudFormationClient(region);
    const apiGateway = new APIGatewayClient(region);
    const dynamo = new DynamoDBClient(region);
    try {
      const stack = await tools.apiClientsOfStack(cfn, options.stack);
      return {
        db: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
        table: stack.clientsTable,
        register: tools.usagePlanRegistration(apiGateway, stack.usagePlanId),
        where: `stack ${options.stack}`,
        close: async () => {
          for (const client of [cfn, apiGateway, dynamo]) client.destroy();
        },
      };
    } catch (error) {
      for (const client of [cfn, apiGateway, dynamo]) client.destroy();
      throw error;
    }
  }
  const { pipeline, close } = await openDataPipeline(options.data);
  return {
    db: pipeline.db,
    table: environmentOf(pipeline.synthesized, 'apiAuthorizer').API_CLIENTS_TABLE ?? '',
    where: `the local state of ${resolve(options.data)}`,
    close,
  };
}

/** A running `npm run api` holds the data folder's tables: only new key rows can reach it, through its inbox. */
const heldByRunningApi = (options: TargetOptions) =>
  !options.stack && new DataFolder(resolve(options.data)).lockHolder() !== undefined;

/**
 * `npm run tenant -- <command>`: tenants, clients and their keys, in the local state of a data folder (`--data`,
 * the default) or in a deployed stack (`--stack NAME`, with the AWS credentials of the shell). A new key is printed
 * alone on the last line (scripts read it with `tail -n 1`); only its hash is stored.
 */
export async function runTenantCli(
  argv: readonly string[],
  out: (text: string) => void = (text) => process.stdout.write(text),
  err: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  let exit = 0;
  const program = new Command('npm run tenant --')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });
  const withTarget = (command: Command) =>
    command
      .option('--data <dir>', 'the data folder whose local state holds the tenants', '.local-data')
      .option(
        '--stack <name>',
        'a deployed stack instead of a data folder (AWS credentials and region from the environment)',
      )
      .addOption(new Option('--region <region>', 'the region of --stack').env('AWS_REGION'));
  const run = async (options: TargetOptions, action: (target: ClientsTarget) => Promise<void>) => {
    let target: ClientsTarget | undefined;
    try {
      target = await openTarget(options);
      await action(target);
    } catch (error) {
      if (!USAGE_ERRORS.includes((error as Error).name)) throw error;
      err(`error: ${(error as Error).message}\n`);
      exit = 2;
    } finally {
      await target?.close();
    }
  };

  withTarget(
    program
      .command('add')
      .description(
        'create a tenant (if new) and a client API key for it; prints the key alone on the last line',
      )
      .argument('<name>', 'the tenant id: 1-32 lower-case letters, digits or single "-"')
      .option('--dry-run', 'a dry-run key: what it starts runs with the stand-ins, no GPU time'),
  ).action(async (name: string, options: TargetOptions & { dryRun?: boolean }) => {
    const mode = options.dryRun ? { mode: 'dry-run' as const } : {};
    if (heldByRunningApi(options)) {
      try {
        const added = addTenantThroughInbox(
          clientInboxOf(new DataFolder(resolve(options.data)).state),
          name,
          mode,
        );
        out(
          `Tenant ${added.tenantId}: new client ${added.clientId} (for the running API). Send: Authorization: Bearer <key>. It is shown once:\n`,
        );
        out(`${added.apiKey}\n`);
      } catch (error) {
        if (!(error instanceof InvalidTenantNameError)) throw error;
        err(`error: ${error.message}\n`);
        exit = 2;
      }
      return;
    }
    await run(options, async (target) => {
      const added = await addTenant(target.db, target.table, name, Date.now, {
        ...mode,
        ...(target.register ? { register: target.register } : {}),
      });
      out(
        `${added.created ? 'Created tenant' : 'Tenant exists:'} ${added.tenantId} in ${target.where}; new client ${added.clientId}${target.register ? ' (its API Gateway key is in the usage plan)' : ''}. Send: Authorization: Bearer <key>. It is shown once:\n`,
      );
      out(`${added.apiKey}\n`);
    });
  });

  const refuseWhileApiRuns = (options: TargetOptions) => {
    if (!heldByRunningApi(options)) return false;
    err(
      `error: a running \`npm run api\` holds ${resolve(options.data)}: stop it, run this again, then start it again\n`,
    );
    exit = 2;
    return true;
  };

  withTarget(
    program
      .command('rotate')
      .description(
        'a second key for a client (both work until you revoke the old one); prints the new key alone on the last line',
      )
      .argument('<clientId>', 'the client id: the part of its key after apk_, up to the next _')
      .requiredOption('--tenant <name>', 'the tenant the client belongs to'),
  ).action(async (clientId: string, options: TargetOptions & { tenant: string }) => {
    if (refuseWhileApiRuns(options)) return;
    await run(options, async (target) => {
      const rotated = await rotateClientKey(target.db, target.table, options.tenant, clientId);
      out(
        `Client ${clientId} of tenant ${options.tenant}: new key ${rotated.keyId}; working keys now ${rotated.activeKeys.join(', ')}. Revoke the old one when the client has switched: npm run tenant -- revoke ${clientId} <keyId> --tenant ${options.tenant}. It is shown once:\n`,
      );
      out(`${rotated.apiKey}\n`);
    });
  });

  withTarget(
    program
      .command('revoke')
      .description(
        'revoke one key of a client: refused from then on (after at most the authorizer cache TTL, 60 s)',
      )
      .argument('<clientId>', 'the client id')
      .argument('<keyId>', 'the key id (npm run tenant -- keys <clientId> --tenant <name>)')
      .requiredOption('--tenant <name>', 'the tenant the client belongs to'),
  ).action(async (clientId: string, keyId: string, options: TargetOptions & { tenant: string }) => {
    if (refuseWhileApiRuns(options)) return;
    await run(options, async (target) => {
      const revoked = await revokeClientKey(target.db, target.table, options.tenant, clientId, keyId);
      out(
        `Key ${keyId} of client ${clientId} is revoked (refused within 60 s). Keys still working: ${revoked.remainingKeys.length ? revoked.remainingKeys.join(', ') : 'none'}\n`,
      );
    });
  });

  withTarget(
    program
      .command('keys')
      .description("list a client's keys: id, created, revoked (never the keys or their hashes)")
      .argument('<clientId>', 'the client id')
      .requiredOption('--tenant <name>', 'the tenant the client belongs to'),
  ).action(async (clientId: string, options: TargetOptions & { tenant: string }) => {
    if (refuseWhileApiRuns(options)) return;
    await run(options, async (target) => {
      const keys = await keysOfTenantClient(target.db, target.table, options.tenant, clientId);
      for (const key of keys) {
        out(
          `${key.keyId}  created ${key.createdAt}  ${key.revokedAt ? `revoked ${key.revokedAt}` : 'working'}${key.mode ? `  ${key.mode}` : ''}\n`,
        );
      }
    });
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runTenantCli(process.argv.slice(2)).then((code) => process.exit(code));
}
