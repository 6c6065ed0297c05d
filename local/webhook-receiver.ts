/** `npm run webhook-receiver -- --port N --secret whsec_... [--fail-first N]`: a verifying receiver that prints what arrives. */
import { Command, InvalidArgumentError } from 'commander';
import { positiveInteger, webhookSecret } from './cli/options.js';
import { createWebhookReceiver } from './webhooks/webhook-receiver.js';

const program = new Command('npm run webhook-receiver --')
  .description(
    'Listens on 127.0.0.1 and verifies every webhook with the official standardwebhooks verifier; name it in subject.json as {"webhook": {"url": "http://127.0.0.1:<port>/hooks"}}',
  )
  .requiredOption('--port <n>', 'port on 127.0.0.1', positiveInteger)
  .requiredOption(
    '--secret <whsec>',
    'the secret the deliveries are signed with (npm start -- --webhook-secret)',
    webhookSecret,
  )
  .option(
    '--fail-first <n>',
    'answer 503 to the first n attempts of each message, to see the retries',
    (v) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError('not a whole number.');
      return Number(v);
    },
  )
  .parse();

const options = program.opts<{ port: number; secret: string; failFirst?: number }>();
const { server } = createWebhookReceiver({
  secret: options.secret,
  ...(options.failFirst !== undefined ? { failFirst: options.failFirst } : {}),
  print: (line) => process.stdout.write(`${line}\n`),
});
server.listen(options.port, '127.0.0.1', () => {
  process.stdout.write(`Receiving webhooks on http://127.0.0.1:${options.port}/hooks (Ctrl-C to stop)\n`);
});
