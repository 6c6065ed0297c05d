import { type SubjectFacts, subjectState } from '../../../functions/api/subject-status.js';

const names = ['a.jpg', 'b.jpg'];
const base: SubjectFacts = { photoNames: names, arrived: new Set(), queued: false };
const ledger = (status: 'open' | 'sealed' | 'training' | 'done') => ({
  status,
  executionName: 'acme--ana-0a1b2c3d-g1',
});

describe('the status of a subject, from the ledger, the queue, the registry and its execution', () => {
  it.each([
    ['receiving', 'no ledger row yet (nothing uploaded)', base],
    ['receiving', 'an open folder', { ...base, ledger: ledger('open'), arrived: new Set(['a.jpg']) }],
    [
      'validating',
      'a sealed set whose execution runs',
      { ...base, ledger: ledger('sealed'), execution: { status: 'RUNNING' as const } },
    ],
    [
      'queued',
      'a sealed set waiting for a training slot',
      { ...base, ledger: ledger('sealed'), queued: true, execution: { status: 'RUNNING' as const } },
    ],
    [
      'training',
      'a set holding a slot',
      { ...base, ledger: ledger('training'), execution: { status: 'RUNNING' as const } },
    ],
    [
      'training',
      'a trained set still deploying (slot freed)',
      { ...base, ledger: ledger('done'), execution: { status: 'RUNNING' as const } },
    ],
    [
      'ready',
      'an execution that ended with a registered model',
      {
        ...base,
        ledger: ledger('done'),
        model: { modelVersion: 'v-0123456789ab' },
        execution: {
          status: 'SUCCEEDED' as const,
          output: {
            validation: {
              outcome: 'accepted',
              accepted: { photosUsed: [{ path: 'a.jpg' }, { path: 'b.jpg' }], photosExcluded: [] },
            },
          },
        },
      },
    ],
    [
      'rejected',
      'an execution whose validation refused the set',
      {
        ...base,
        ledger: ledger('done'),
        execution: {
          status: 'SUCCEEDED' as const,
          output: {
            validation: {
              outcome: 'rejected',
              rejected: { reason: 'Only 1 usable photo', photosExcluded: [] },
            },
          },
        },
      },
    ],
    [
      'failed',
      'an execution that failed without a model',
      { ...base, ledger: ledger('done'), execution: { status: 'FAILED' as const } },
    ],
  ])('is %s for %s', (expected, _what, facts) => {
    // Prepare (the facts above)
    // Act
    const state = subjectState(facts);
    // Assess
    expect(state.status).toBe(expected);
  });

  it('names each photo: awaiting upload, received, then accepted or excluded with the reason and advice', () => {
    // Prepare
    const during = { ...base, ledger: ledger('open'), arrived: new Set(['a.jpg']) };
    const after: SubjectFacts = {
      ...base,
      arrived: new Set(names),
      ledger: ledger('done'),
      execution: {
        status: 'SUCCEEDED',
        output: {
          validation: {
            outcome: 'rejected',
            rejected: {
              reason: 'too few',
              photosUsed: [{ path: 'a.jpg' }],
              photosExcluded: [{ path: 'b.jpg', reason: 'blurred', advice: 'retake it' }],
            },
          },
        },
      },
    };
    // Act
    const receiving = subjectState(during);
    const judged = subjectState(after);
    // Assess
    expect(receiving.photos.map((p) => p.verdict)).toEqual(['received', 'awaiting-upload']);
    expect(judged).toMatchObject({ status: 'rejected', reason: 'too few' });
    expect(judged.photos).toEqual([
      { name: 'a.jpg', verdict: 'accepted', reason: null, advice: null },
      { name: 'b.jpg', verdict: 'excluded', reason: 'blurred', advice: 'retake it' },
    ]);
  });

  it('shows the verdicts of ValidateImages while the subject is queued or training, before the execution ends', () => {
    // Prepare
    const validation = {
      outcome: 'accepted',
      accepted: {
        photosUsed: [{ path: 'a.jpg' }],
        photosExcluded: [{ path: 'b.jpg', reason: 'two faces', advice: 'crop to one person' }],
      },
    };
    const running = { status: 'RUNNING' as const };
    // Act
    const queued = subjectState({
      ...base,
      ledger: ledger('sealed'),
      queued: true,
      execution: running,
      validation,
    });
    const training = subjectState({ ...base, ledger: ledger('training'), execution: running, validation });
    // Assess
    for (const state of [queued, training]) {
      expect(state.photos).toEqual([
        { name: 'a.jpg', verdict: 'accepted', reason: null, advice: null },
        { name: 'b.jpg', verdict: 'excluded', reason: 'two faces', advice: 'crop to one person' },
      ]);
    }
    expect([queued.status, training.status]).toEqual(['queued', 'training']);
  });
});
