import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { writeGallery } from '../../report/gallery.js';
import { FINAL_OUTCOMES, shorten, summarize } from '../../report/subject-results.js';
import type { PublishedEvent, PutEventsEntry } from '../../runtime/local-event-bus.js';
import { readEventLog } from '../../state/event-log.js';
import { EXIT, UsageError } from '../errors.js';
import { openSession } from '../local-session.js';
import { collect, dataOption, existingDataFolder, existingFile, positiveInteger } from '../options.js';
import type { LocalCommand } from '../program.js';

interface SendEventOptions {
  data: string;
  file?: string;
  subject?: string;
  prompt?: string[];
  style?: string[];
  imagesPerPrompt?: number;
  correlationId?: string;
  source: string;
  detailType: string;
}

const GENERATION_REQUESTED = 'Avatar Generation Requested';
/** What ends a partner's request: an outcome of its generation, or its refusal. */
const ANSWERS = new Set([...FINAL_OUTCOMES, 'Request Rejected']);

export const sendEventCommand: LocalCommand = {
  name: 'send-event',
  summary:
    "put a partner's event on the local bus (default: Avatar Generation Requested) and run what it starts",
  configure: (command: Command) =>
    command
      .addOption(dataOption())
      .option(
        '--file <file>',
        'the event as JSON: a whole EventBridge entry (source, detail-type, detail) or just the detail',
      )
      .option('--subject <id>', 'the subject whose current model generates (instead of --file)')
      .option('--prompt <text>', 'a prompt; {subject} becomes the token and class word (repeatable)', collect)
      .option('--style <name>', 'a style of the style pack (repeatable)', collect)
      .option('--images-per-prompt <n>', 'images per prompt', positiveInteger)
      .option('--correlation-id <id>', 'your id for the request; it comes back in every resulting event')
      .option('--source <source>', 'the event source, as a partner account would send it', 'partner.local')
      .option('--detail-type <type>', 'the detail-type', GENERATION_REQUESTED)
      .addHelpText(
        'after',
        `
The models of earlier runs in the same --data folder are in its registry, so a request for a subject trained
before finds them. Exit status 0 when the request was answered (Avatars Ready, Generation Failed or Request
Rejected), 1 when nothing answered it, 2 for a usage error.

Examples:
  npm start -- send-event --subject good-ana --prompt "{subject} as a knight, oil painting" --images-per-prompt 2
  npm start -- send-event --file events/samples/v1/avatar-generation-requested.json`,
      ),
  run: async (options: SendEventOptions, command: Command) => {
    if (command.args.length > 0)
      throw new UsageError(`unexpected argument "${command.args[0]}" (see --help)`);
    const data = existingDataFolder(options.data);
    const entry = options.file ? await entryFromFile(options.file, options) : entryFromFlags(options);
    const out = (line = '') => process.stdout.write(`${line}\n`);

    out(`Sending ${entry.DetailType} from ${entry.Source} to the local bus of ${data.root} ...`);
    const session = await openSession({ data, run: { command: 'send-event' } });
    let published: PublishedEvent[];
    try {
      await session.pipeline.bus.putEvents([entry]);
      await session.pipeline.settled();
      published = session.pipeline.bus.published;
    } finally {
      await session.close();
    }
    const answers = published.filter((e) => ANSWERS.has(e['detail-type']));
    for (const event of published) {
      if (event.source !== 'avatar-pipeline') continue;
      out(`  ${event['detail-type']}: ${summarize(event['detail-type'], event.detail, event.source)}`);
      if (event['detail-type'] === 'Avatars Ready') {
        const prompts = (event.detail as { prompts: { prompt: string; delivered: { key: string }[] }[] })
          .prompts;
        for (const prompt of prompts) {
          out(`    "${shorten(prompt.prompt, 100)}"`);
          for (const image of prompt.delivered) out(`      ${image.key}`);
        }
      }
      if (event['detail-type'] === 'Request Rejected' || event['detail-type'] === 'Generation Failed') {
        out(`    what to do: ${String((event.detail as { advice?: unknown }).advice ?? '')}`);
      }
    }
    const gallery = await writeGallery(data, { log: await readEventLog(data.events) });
    out(`Gallery: ${pathToFileURL(gallery.file).href}`);
    if (answers.length === 0) {
      out(
        `Nothing answered the event: no rule on the bus matches detail-type "${entry.DetailType}" (partners send "${GENERATION_REQUESTED}").`,
      );
      return EXIT.failed;
    }
    return EXIT.ok;
  },
};

function entryFromFlags(options: SendEventOptions): PutEventsEntry {
  if (!options.subject)
    throw new UsageError('say what to send: --subject ID (with --prompt or --style), or --file FILE');
  const detail = {
    version: 1,
    subjectId: options.subject,
    ...(options.prompt ? { prompts: options.prompt } : {}),
    ...(options.style ? { styles: options.style } : {}),
    ...(options.imagesPerPrompt ? { imagesPerPrompt: options.imagesPerPrompt } : {}),
    ...(options.correlationId ? { correlationId: options.correlationId } : {}),
  };
  return { Source: options.source, DetailType: options.detailType, Detail: detail };
}

async function entryFromFile(file: string, options: SendEventOptions): Promise<PutEventsEntry> {
  if (
    options.subject ||
    options.prompt ||
    options.style ||
    options.imagesPerPrompt ||
    options.correlationId
  ) {
    throw new UsageError(
      '--file takes the whole event; leave out --subject, --prompt, --style, --images-per-prompt and --correlation-id',
    );
  }
  const path = existingFile('--file', file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--file ${file}: not JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`--file ${file}: a JSON object was expected (an event, or its detail)`);
  }
  const record = parsed as Record<string, unknown>;
  // A whole entry as EventBridge delivers it (detail-type) or as PutEvents takes it (DetailType).
  const detailType = record['detail-type'] ?? record.DetailType;
  if (typeof detailType === 'string') {
    const source = record.source ?? record.Source;
    const detail = record.detail ?? record.Detail;
    return {
      Source: typeof source === 'string' ? source : options.source,
      DetailType: detailType,
      Detail: typeof detail === 'string' ? JSON.parse(detail) : (detail ?? {}),
    };
  }
  return { Source: options.source, DetailType: options.detailType, Detail: record };
}
