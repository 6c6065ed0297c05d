import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { DataFolder } from '../state/data-folder.js';
import { openDataPipeline } from './api-session.js';
import { clientInboxOf } from './client-inbox.js';
import { startLocalApi } from './local-api-server.js';

/**
 * `npm run api -- --data DIR --port N`: the HTTP API on 127.0.0.1 with the local pipeline behind it, until
 * stopped (Ctrl-C). Uploads land in DIR's bucket and run through the same ingest, training and generation.
 */
async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('npm run api --')
    .option('--data <dir>', 'the data folder (bucket, tables, events)', '.local-data')
    .option('--port <n>', 'the port on 127.0.0.1 (0: any free one)', '8787')
    .option('--verbose', 'log every request failure and pipeline message')
    .exitOverride();
  program.parse([...argv], { from: 'user' });
  const options = program.opts<{ data: string; port: string; verbose?: boolean }>();
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`error: --port ${options.port} is not a port number (0-65535)\n`);
    process.exit(2);
  }
  const { pipeline, close } = await openDataPipeline(options.data);
  // No folder drop to wait for: every start goes through at once (a named photo list seals the set itself).
  await pipeline.fastForwardQuietPeriods();
  const log = options.verbose
    ? (message: string, fields: Record<string, unknown>) =>
        process.stderr.write(`${message} ${JSON.stringify(fields)}\n`)
    : undefined;
  const api = await startLocalApi({
    pipeline,
    port,
    clientInbox: clientInboxOf(new DataFolder(resolve(options.data)).state),
    ...(log ? { log } : {}),
  });
  process.stdout.write(`HTTP API on ${api.url}/v1 (data in ${options.data}); Ctrl-C stops it\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await api.close();
    await close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: Error) => {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
});
