import type { Command } from 'commander';
import { utcDay } from '../../../functions/operations/outcome-counts.js';
import { openDataPipeline } from '../../api/api-session.js';
import { EXIT, UsageError } from '../errors.js';
import { dataOption, existingDataFolder } from '../options.js';
import type { LocalCommand } from '../program.js';

interface SummaryOptions {
  data: string;
  day?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `npm start -- summary`: the operators' daily summary of the data folder, as the topic would get it on AWS. */
export const summaryCommand: LocalCommand = {
  name: 'summary',
  summary: "the operators' summary of a day (counts only), as the daily schedule sends it on AWS",
  configure: (command: Command) =>
    command
      .addOption(dataOption())
      .option('--day <YYYY-MM-DD>', 'the UTC day to summarise (default: today, UTC)')
      .addHelpText(
        'after',
        `
Every outcome event of the runs on this data folder was counted once into its UTC day (CountOutcome); this runs
SendDailySummary for a day and prints the message the operators' topic got: counts only, never a subject id, a
prompt or a link. On AWS it is sent at 00:15 UTC for the day before.

Examples:
  npm start -- summary
  npm start -- summary --day 2026-12-01 --data /tmp/avatars`,
      ),
  run: async (options: SummaryOptions) => {
    const day = options.day ?? utcDay(Date.now());
    if (!DAY.test(day) || Number.isNaN(Date.parse(day))) {
      throw new UsageError(`--day "${day}": give a UTC day as YYYY-MM-DD, such as ${utcDay(Date.now())}`);
    }
    const data = existingDataFolder(options.data);
    // Not a run: the summary reads the day's counts and publishes one notice, so no run marker is written.
    const { pipeline, close } = await openDataPipeline(data.root);
    try {
      const notice = await pipeline.sendDailySummary(day);
      process.stdout.write(`Subject: ${notice.subject}\n\n${notice.message}\n`);
    } finally {
      await close();
    }
    return EXIT.ok;
  },
};
