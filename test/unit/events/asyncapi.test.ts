import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';
import { asyncApiDocument } from '../../../events/asyncapi.js';
import { PIPELINE_EVENTS } from '../../../events/pipeline-events.js';

describe('events/asyncapi.json', () => {
  it('is what `npm run events:asyncapi` writes', async () => {
    // Prepare
    const committed = await readFile(new URL('../../../events/asyncapi.json', import.meta.url), 'utf8');
    // Act
    const generated = asyncApiDocument();
    // Assess: the same document (biome may lay the JSON out differently)
    expect(JSON.parse(committed)).toEqual(generated);
  });

  it('is a valid AsyncAPI 3 document with a channel per detail-type and the webhook messages', async () => {
    // Prepare
    const parser = new Parser();
    // Act
    const { document, diagnostics } = await parser.parse(JSON.stringify(asyncApiDocument()));
    // Assess
    const errors = diagnostics
      .filter((d) => d.severity === 0)
      .map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    const addresses =
      document
        ?.channels()
        .all()
        .map((c) => c.address()) ?? [];
    for (const detailType of Object.keys(PIPELINE_EVENTS))
      expect(addresses).toContain(`avatar-pipeline/${detailType}`);
    const webhook = document?.channels().get('webhooks');
    const names =
      webhook
        ?.messages()
        .all()
        .map((m) => m.name()) ?? [];
    expect(names).toEqual(expect.arrayContaining(['subject.accepted', 'model.ready', 'avatars.ready']));
  });
});
