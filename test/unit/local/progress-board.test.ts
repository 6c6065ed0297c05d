import { ProgressBoard } from '../../../local/progress/progress-board.js';
import { formatProgressLine } from '../../../local/progress/progress-view.js';
import { sampleEvent } from './local-events.js';

const DEE = { subjectId: 'mixed-dee', imageSetId: 'is-df7c7469330aaa6f' };
const slot = {
  executionName: 'mixed-dee-is-df7c7469330aaa6f',
  enqueuedAt: '2026-11-25T10:00:00Z',
  subjectId: 'mixed-dee',
};
const request = { request: { subjectId: 'mixed-dee', requestId: 'r1' }, job: { promptId: 'p01' } };

describe('the progress of each subject, as a person reads it', () => {
  it('counts photos, the place in the training queue and avatars n of m, and ends with the outcome', () => {
    // Prepare
    const board = new ProgressBoard(['mixed-dee', 'good-ana']);
    const seen: string[] = [];

    // Act
    for (let i = 0; i < 19; i++) board.fileDropped('mixed-dee', true);
    board.folderDropped('mixed-dee');
    board.event(sampleEvent('subject-received', DEE));
    board.event(sampleEvent('subject-accepted', DEE));
    board.task({
      task: 'acquireTrainingSlot',
      phase: 'succeeded',
      input: slot,
      output: { acquired: false, position: 1 },
    });
    seen.push(formatProgressLine(board.get('mixed-dee') ?? (undefined as never), 11));
    board.task({
      task: 'acquireTrainingSlot',
      phase: 'succeeded',
      input: slot,
      output: { acquired: true, queuedSeconds: 60 },
    });
    board.event(sampleEvent('model-ready', DEE));
    board.task({
      task: 'screenPrompts',
      phase: 'succeeded',
      input: request,
      output: { accepted: [], rejected: [], jobs: [{}, {}, {}, {}] },
    });
    board.task({
      task: 'generateScreenedImage',
      phase: 'succeeded',
      input: request,
      output: { status: 'delivered' },
    });
    seen.push(formatProgressLine(board.get('mixed-dee') ?? (undefined as never), 11));
    board.event(sampleEvent('avatars-ready', { subjectId: 'mixed-dee', modelVersion: 'v-3b629fe486cd' }));
    seen.push(formatProgressLine(board.get('mixed-dee') ?? (undefined as never), 11));

    // Assess
    expect(seen[0]).toMatch(/mixed-dee\s+queued\s+11 usable, 8 excluded\s+queue #2/);
    expect(seen[1]).toMatch(/generating .* avatars 1\/4/);
    expect(seen[2]).toMatch(/avatars ready .* avatars 4\/4/);
    expect(board.get('good-ana')?.stage).toBe('waiting');
    // No engine state names, ever.
    expect(seen.join('\n')).not.toMatch(/AcquireTrainingSlot|GenerateScreenedImage|PublishModelReady/);
  });

  it('says a folder whose files are all known already is nothing new', () => {
    // Prepare
    const board = new ProgressBoard(['good-ana']);

    // Act
    for (let i = 0; i < 13; i++) board.fileDropped('good-ana', false);
    board.folderDropped('good-ana');

    // Assess
    expect(board.get('good-ana')?.stage).toBe('unchanged');
    expect(formatProgressLine(board.get('good-ana') ?? (undefined as never), 8)).toMatch(
      /good-ana\s+nothing new\s+13 files/,
    );
  });

  it('ignores events and tasks of subjects that are not in the run', () => {
    // Prepare
    const board = new ProgressBoard(['good-ana']);

    // Act
    board.event(sampleEvent('subject-received', DEE));
    board.task({ task: 'validateImages', phase: 'started', input: { received: { subjectId: 'mixed-dee' } } });

    // Assess
    expect(board.all.map((s) => s.subjectId)).toEqual(['good-ana']);
    expect(board.get('good-ana')?.stage).toBe('waiting');
  });
});
