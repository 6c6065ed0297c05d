/**
 * Issue 11, logs without data: a malformed training notification is logged without its body (which names the
 * training request and output by key), and an object outside a subject folder without its key.
 */

import type { IngestDeps } from '../../../functions/ingest/record-object.js';
import { recordObjectCreated } from '../../../functions/ingest/record-object.js';
import type { S3ObjectCreatedEvent } from '../../../functions/ingest/s3-object-created.js';
import { CallbackTokens } from '../../../functions/training/callback-tokens.js';
import { handleTrainingNotification } from '../../../functions/training/training-notification.js';
import { type LocalDynamo, startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import { trainingStateTableDefinition } from '../../../local/runtime/table-definitions.js';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo([trainingStateTableDefinition('training-state')]);
});
afterAll(async () => {
  await dynamo.close();
});

describe('logs without data', () => {
  it('a malformed notification is logged with what is wrong and its length, not its body', async () => {
    // Prepare
    const lines: string[] = [];
    const body = JSON.stringify({
      inferenceId: 7,
      requestParameters: { inputLocation: 's3://photos/training/ana/is-1/requests/v-1.json' },
    });
    const deps = {
      tokens: new CallbackTokens(dynamo.db, 'training-state', () => 0),
      callbacks: {
        succeed: async () => 'sent' as const,
        fail: async () => 'sent' as const,
      },
      log: (level: string, message: string, fields: Record<string, unknown>) =>
        lines.push(`${level} ${message} ${JSON.stringify(fields)}`),
    };

    // Act
    const outcome = await handleTrainingNotification(body, deps);

    // Assess
    expect(outcome).toBe('malformed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`"messageLength":${body.length}`);
    expect(lines[0]).not.toContain('training/ana');
  });

  it('an object outside any subject folder is ignored without logging its key', async () => {
    // Prepare
    const lines: string[] = [];
    const deps = {
      log: (message: string, fields: unknown) => lines.push(`${message} ${JSON.stringify(fields)}`),
    };
    const event = {
      detail: { object: { key: 'subjects/ana-portrait.jpg', size: 10, etag: '"e"', sequencer: '01' } },
    } as unknown as S3ObjectCreatedEvent;

    // Act
    const outcome = await recordObjectCreated(event, deps as unknown as IngestDeps);

    // Assess
    expect(outcome.action).toBe('ignored');
    expect(lines).toEqual(['Object ignored: not a file in a subject folder {}']);
  });
});
