/**
 * `npm start [-- <command>] [options]`: the avatar pipeline on this machine. Commands (see local/cli/program.ts):
 * `run` (the default) drops every subfolder of --input, or generated sample subjects, into the local bucket and
 * runs the synthesized workflows; `send-event` puts a partner's event on the local bus; `status` says what the
 * data folder knows; `gallery` rewrites DATA/report/index.html. Exit status: 0 when every subject reached an
 * outcome, 1 when one did not (or the run failed), 2 for a usage error (which never prints a stack trace).
 */
import { runCli } from './cli/program.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    // A bug, not a usage error: keep the stack for the report.
    console.error(`Local run failed: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  },
);
