import type { Command } from 'commander';
import { DEFAULT_TENANT_ID, SubjectId, TenantId } from '../../../events/identifiers.js';
import { SubjectErased } from '../../../events/pipeline-events.js';
import { isExecutionOfSubject } from '../../../functions/ingest/image-set.js';
import { writeGallery } from '../../report/gallery.js';
import { PersistentExecutionNames } from '../../state/data-folder.js';
import { readEventLog } from '../../state/event-log.js';
import { EXIT, UsageError } from '../errors.js';
import { openSession } from '../local-session.js';
import { dataOption, existingDataFolder } from '../options.js';
import type { LocalCommand } from '../program.js';

interface EraseOptions {
  data: string;
  tenant: string;
}

/** `npm start -- erase <subjectId>`: the erasure workflow, as the HTTP API's DELETE starts it, on the data folder. */
export const eraseCommand: LocalCommand = {
  name: 'erase',
  summary: 'erase a subject: its photos, crops, models, avatars and rows, every version, then Subject Erased',
  configure: (command: Command) =>
    command
      .usage('<subjectId> [options]')
      // The subject id is read from command.args (the program's action hands every command its options first).
      .allowExcessArguments(true)
      .addOption(dataOption())
      .option('--tenant <id>', 'the tenant that owns the subject', DEFAULT_TENANT_ID)
      .addHelpText(
        'after',
        `
Runs the synthesized erasure workflow: stops the subject's running executions, deletes every object of it under
every prefix of the bucket and every row of it, lists again, and publishes Subject Erased with the manifest. The
subject's other events leave events.jsonl; the gallery is rewritten without it. Safe to repeat.

Examples:
  npm start -- erase good-ana
  npm start -- erase ana --tenant acme --data /tmp/avatars`,
      ),
  run: async (options: EraseOptions, command: Command) => {
    const [subjectId, ...extra] = command.args;
    if (subjectId === undefined) throw new UsageError('say which subject to erase: erase <subjectId>');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (see --help)`);
    const subject = SubjectId.safeParse(subjectId);
    if (!subject.success)
      throw new UsageError(`subject id "${subjectId}": ${subject.error.issues[0]?.message}`);
    const tenant = TenantId.safeParse(options.tenant);
    if (!tenant.success)
      throw new UsageError(`--tenant "${options.tenant}": ${tenant.error.issues[0]?.message}`);
    const data = existingDataFolder(options.data);
    const ref = { tenantId: tenant.data, subjectId: subject.data };
    const out = (line = '') => process.stdout.write(`${line}\n`);

    out(`Erasing ${ref.tenantId}/${ref.subjectId} in ${data.root} ...`);
    const started = performance.now();
    const session = await openSession({ data, run: { command: 'erase' } });
    let erased: SubjectErased | undefined;
    let answered: { 'detail-type': string; detail: Record<string, unknown> } | undefined;
    try {
      const accepted = await session.pipeline.requestErasure(ref, { requestedBy: 'cli' });
      await session.pipeline.settled();
      answered = session.pipeline.bus.published.find(
        (e) =>
          (e['detail-type'] === 'Subject Erased' || e['detail-type'] === 'Subject Erasure Failed') &&
          e.detail.erasureId === accepted.erasureId,
      );
      if (answered?.['detail-type'] === 'Subject Erased') erased = SubjectErased.parse(answered.detail);
    } finally {
      await session.close();
    }
    // The names of its training executions leave the folder too (new ones carry a new incarnation).
    new PersistentExecutionNames(data.executionsFile).forget(
      (workflow, name) => workflow === 'training' && isExecutionOfSubject(name, ref),
    );
    await writeGallery(data, { log: await readEventLog(data.events) });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (!erased) {
      out(`  ${answered ? String(answered.detail.reason) : 'The erasure did not finish.'}`);
      return EXIT.failed;
    }
    for (const o of erased.manifest.objects) {
      if (o.versionsDeleted > 0) out(`  ${o.prefix.padEnd(40)} ${o.versionsDeleted} object versions deleted`);
    }
    for (const r of erased.manifest.records) {
      if (r.rowsDeleted > 0) out(`  ${r.store.padEnd(40)} ${r.rowsDeleted} rows deleted`);
    }
    out(
      `  executions stopped: ${erased.executionsStopped}; left after a re-list: ${erased.manifest.remaining}`,
    );
    out(`Subject Erased (${erased.erasureId}) in ${seconds} s`);
    return EXIT.ok;
  },
};
