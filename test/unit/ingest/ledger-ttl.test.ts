import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SubjectLedger } from '../../../functions/ingest/subject-ledger.js';
import { startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import { ledgerTableDefinition } from '../../../local/runtime/table-definitions.js';

const TABLE = 'ledger-ttl';
const ref = { tenantId: 'default', subjectId: 'ana' };
const DAY = 86_400;

describe('ledger rows of objects expire a day after the photos do', () => {
  it.each([1, 30, 365])(
    'sets expiresAt = write time + %i retention days + 1 day on PHOTO# and IGNORED# rows',
    async (retentionDays) => {
      // Prepare
      const dynamo = await startLocalDynamo([ledgerTableDefinition(TABLE)]);
      const writtenAtMs = 1_780_000_123_456;
      const ledger = new SubjectLedger(dynamo.db, TABLE, {
        photoRetentionDays: retentionDays,
        now: () => writtenAtMs,
      });
      try {
        // Act
        await ledger.recordPhoto(ref, { key: 'subjects/ana/a.jpg', size: 3, etag: 'e1', sequencer: '01' });
        await ledger.recordIgnoredFile(ref, 'subjects/ana/.DS_Store', 'folder junk');
        const get = async (sk: string) =>
          (await dynamo.db.send(new GetCommand({ TableName: TABLE, Key: { pk: 'SUBJECT#default#ana', sk } })))
            .Item;
        const photo = await get('PHOTO#subjects/ana/a.jpg');
        const ignored = await get('IGNORED#subjects/ana/.DS_Store');

        // Assess
        const expected = Math.floor(writtenAtMs / 1000) + (retentionDays + 1) * DAY;
        expect(photo?.expiresAt).toBe(expected);
        expect(ignored?.expiresAt).toBe(expected);
      } finally {
        await dynamo.close();
      }
    },
  );

  it('leaves the subject row without expiresAt (it keeps the history)', async () => {
    // Prepare
    const dynamo = await startLocalDynamo([ledgerTableDefinition(TABLE)]);
    const ledger = new SubjectLedger(dynamo.db, TABLE, { photoRetentionDays: 30, now: () => 1_000_000 });
    try {
      // Act
      await ledger.noteActivity(ref, 1_000_000);
      const subject = (
        await dynamo.db.send(
          new GetCommand({ TableName: TABLE, Key: { pk: 'SUBJECT#default#ana', sk: 'SUBJECT' } }),
        )
      ).Item;

      // Assess
      expect(subject?.expiresAt).toBeUndefined();
    } finally {
      await dynamo.close();
    }
  });
});
