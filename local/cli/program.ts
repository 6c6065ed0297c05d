import { Command, CommanderError } from 'commander';
import { eraseCommand } from './commands/erase-command.js';
import { galleryCommand } from './commands/gallery-command.js';
import { runCommand } from './commands/run-command.js';
import { sendEventCommand } from './commands/send-event-command.js';
import { statusCommand } from './commands/status-command.js';
import { summaryCommand } from './commands/summary-command.js';
import { CliFailure, EXIT, SetupError, UsageError } from './errors.js';

/** One subcommand of `npm start --`: its options, its help, what it does; it returns the exit status. */
export interface LocalCommand {
  name: string;
  summary: string;
  /** The command run when none is named (`npm start -- --input DIR`). */
  isDefault?: boolean;
  configure(command: Command): Command;
  // biome-ignore lint/suspicious/noExplicitAny: each command declares the options it configured.
  run(options: any, command: Command): Promise<number>;
}

/**
 * Every subcommand, in the order `--help` lists them. This table is the extension point: a new command (the
 * privacy issue's `erase`, say) is one module with a LocalCommand and one entry here, and `--help`, the README
 * and the CLI tests pick it up from here.
 */
export const COMMANDS: readonly LocalCommand[] = [
  runCommand,
  sendEventCommand,
  statusCommand,
  galleryCommand,
  eraseCommand,
  summaryCommand,
];

const HINT = 'Try `npm start -- --help`, or `npm start -- <command> --help`.';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export function buildProgram(io: CliIo = processIo): { program: Command; exitCode: () => number } {
  let exitCode: number = EXIT.ok;
  const program = new Command('npm start --')
    .usage('[command] [options]')
    .description(
      'Runs the avatar pipeline on this machine: the synthesized state machines on a local engine, a folder as the bucket, events.jsonl as the bus, stand-ins for SageMaker, Rekognition and Comprehend. No AWS account needed.',
    )
    .helpCommand('help [command]', 'show the options of a command')
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  npm start                                          sample subjects into .local-data, run everything
  npm start -- --input ~/photos --data /tmp/avatars  ~/photos/ana/*.jpg becomes subject ana
  npm start -- send-event --subject ana --prompt "{subject} as a knight" --images-per-prompt 2
  npm start -- status                                what the data folder knows
  npm start -- gallery                               rewrite .local-data/report/index.html
  npm start -- erase ana                             erase subject ana (every version), then Subject Erased
  npm start -- summary                               the operators' summary of today (counts only)`,
    );
  for (const entry of COMMANDS) {
    const command = program
      .command(entry.name, entry.isDefault ? { isDefault: true } : {})
      .description(entry.isDefault ? `${entry.summary}` : entry.summary);
    entry.configure(command);
    explainErrors(command, io);
    command.action(async (options, self: Command) => {
      exitCode = await entry.run(options, self);
    });
  }
  explainErrors(program, io);
  return { program, exitCode: () => exitCode };
}

/**
 * How commander's errors read: a flag or command that does not exist shows the command's usage after the
 * message; a bad value shows only the message and where to find the help.
 */
function explainErrors(command: Command, io: CliIo): void {
  command.configureOutput({
    writeOut: io.out,
    writeErr: io.err,
    outputError: (message, write) => {
      write(message);
      write(
        /unknown option|unknown command|too many arguments/.test(message)
          ? `\n${command.helpInformation()}\n${HINT}\n`
          : `${HINT}\n`,
      );
    },
  });
}

/**
 * Parses and runs one command line. A usage mistake prints one line (and a hint at --help) and returns 2; a
 * failure a person can act on prints one line and returns 1; only a bug shows a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const { program, exitCode } = buildProgram(io);
  const first = argv[0];
  const names = new Set([...COMMANDS.map((c) => c.name), 'help']);
  if (first !== undefined && !first.startsWith('-') && !names.has(first)) {
    io.err(`error: unknown command '${first}'\n\n${program.helpInformation()}`);
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message (and the hint) already.
      return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code)
        ? EXIT.ok
        : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n${HINT}\n`);
      return EXIT.usage;
    }
    if (error instanceof SetupError) {
      io.err(`${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof CliFailure) {
      io.err(`error: ${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}
