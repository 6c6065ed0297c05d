import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { DEFAULT_TENANT_ID } from '../../../events/identifiers.js';
import { ModelRegistry } from '../../../functions/deployment/model-registry.js';
import { SubjectLedger } from '../../../functions/ingest/subject-ledger.js';
import { queryAllItems } from '../../../functions/platform/query-all-items.js';
import { formatTable, summaryRows } from '../../report/run-summary.js';
import { currentSet, subjectResults } from '../../report/subject-results.js';
import { startLocalDynamo } from '../../runtime/local-dynamo.js';
import { readEventLog } from '../../state/event-log.js';
import { EXIT } from '../errors.js';
import { dataOption, existingDataFolder } from '../options.js';
import type { LocalCommand } from '../program.js';

export const statusCommand: LocalCommand = {
  name: 'status',
  summary: "what the data folder knows: runs, each subject's outcome, ledger, current model, training queue",
  configure: (command: Command) => command.addOption(dataOption()),
  run: async (options: { data: string }) => {
    const data = existingDataFolder(options.data);
    const out = (line = '') => process.stdout.write(`${line}\n`);
    const log = await readEventLog(data.events);
    const results = subjectResults(log);
    const subjects = [...results.keys()].sort();
    const last = log.runs.at(-1);
    out(
      `Data folder ${data.root}: ${log.runs.length} run${log.runs.length === 1 ? '' : 's'}${last ? ` (last: run ${last.number}, ${last.command}, ${last.startedAt})` : ''}, ${log.events.length} events, ${subjects.length} subjects.`,
    );
    if (log.unreadableLines)
      out(`${log.unreadableLines} lines of events.jsonl are not events and were skipped.`);
    out();
    if (subjects.length) out(formatTable(summaryRows(subjects, results)));

    const holder = data.lockHolder();
    const tables = data.readTables();
    out();
    if (holder !== undefined) {
      out(
        `A run is using the data folder now (process ${holder}): the ledger and registry are not read meanwhile.`,
      );
    } else if (!tables) {
      out('No ledger yet (no run has opened the pipeline in this folder).');
    } else {
      const release = data.lock();
      const dynamo = await startLocalDynamo([], { path: data.dynamo });
      try {
        const ledger = new SubjectLedger(dynamo.db, tables.ledger);
        const registry = new ModelRegistry(dynamo.db, tables.modelRegistry);
        out('Ledger and registry (kept in state/dynamo):');
        for (const subjectId of subjects) {
          const ref = { tenantId: DEFAULT_TENANT_ID, subjectId };
          const record = await ledger.getSubject(ref);
          const photos = record ? (await ledger.listPhotos(ref)).length : 0;
          const model = await registry.current(ref);
          const set = currentSet(
            results.get(subjectId) ?? { subjectId, imageSets: [], requestsRejected: [], timeline: [] },
          );
          out(
            `  ${subjectId}: ${record ? `${record.status}, image set ${record.imageSetId ?? '(open)'} (generation ${record.generation}), ${photos} photos recorded` : 'not in the ledger'}; ${model ? `current model ${model.modelVersion} (${model.targetModel})` : 'no model'}${set && record?.imageSetId && set.imageSetId !== record.imageSetId ? '; its events are not all in events.jsonl' : ''}`,
          );
        }
        const queue = await queryAllItems(dynamo.db, {
          TableName: tables.trainingState,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'TRAINING_QUEUE' },
        });
        const waiting = queue.filter((item) => item.status === 'waiting').length;
        const running = queue.filter((item) => item.status === 'running').length;
        out(`Training queue: ${waiting} waiting, ${running} running.`);
      } finally {
        await dynamo.close();
        release();
      }
    }
    out(`Gallery: ${pathToFileURL(data.reportIndex).href}`);
    return EXIT.ok;
  },
};
