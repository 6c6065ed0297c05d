import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { environmentOf } from '../runtime/synthesized-pipeline.js';
import { DataFolder } from '../state/data-folder.js';
import { openDataPipeline } from './api-session.js';
import { clientInboxOf } from './client-inbox.js';
import { addTenant, addTenantThroughInbox, InvalidTenantNameError } from './tenants.js';

/**
 * `npm run tenant -- add NAME --data DIR`: a tenant and a client key in the local state of DIR. The key is printed
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
  program
    .command('add')
    .description(
      'create a tenant (if new) and a client API key for it; prints the key alone on the last line',
    )
    .argument('<name>', 'the tenant id: 1-32 lower-case letters, digits or single "-"')
    .option('--data <dir>', 'the data folder whose local state gets the tenant', '.local-data')
    .option('--dry-run', 'a dry-run key: what it starts runs with the stand-ins, no GPU time')
    .action(async (name: string, options: { data: string; dryRun?: boolean }) => {
      const keyOptions = options.dryRun ? { mode: 'dry-run' as const } : {};
      const data = new DataFolder(resolve(options.data));
      if (data.lockHolder() !== undefined) {
        // A running `npm run api` holds the tables: it imports the key from its inbox on first use.
        try {
          const added = addTenantThroughInbox(clientInboxOf(data.state), name, keyOptions);
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
      const { pipeline, close } = await openDataPipeline(options.data);
      try {
        const table = environmentOf(pipeline.synthesized, 'apiAuthorizer').API_CLIENTS_TABLE ?? '';
        const added = await addTenant(pipeline.db, table, name, Date.now, keyOptions);
        out(
          `${added.created ? 'Created tenant' : 'Tenant exists:'} ${added.tenantId}; new client ${added.clientId}. Send: Authorization: Bearer <key>. It is shown once:\n`,
        );
        out(`${added.apiKey}\n`);
      } catch (error) {
        if (!(error instanceof InvalidTenantNameError)) throw error;
        err(`error: ${error.message}\n`);
        exit = 2;
      } finally {
        await close();
      }
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
