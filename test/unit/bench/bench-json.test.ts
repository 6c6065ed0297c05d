import { type BenchFigures, jsonPathFrom, toBenchJson } from '../../../bench/bench-json.js';

/** Figures of arbitrary values: the test is of names and types, not of what a run measured. */
function figures(seed: number): BenchFigures {
  return {
    coldStart: {
      coldStartRatio: { recordPhoto: seed, apiAuthorizer: seed + 0.1 },
      coldStartRatioMax: seed + 0.1,
    },
    validation: { ratio: seed + 0.2, peakRssMb: seed * 100 },
    training: { ratio: seed / 1000 },
    generation: { ratio: seed / 100 },
    burst: {
      subjects: 1000,
      outcomes: 1000,
      lost: 0,
      trainedTwice: 0,
      capacity: 4,
      maxConcurrentTrainings: 4,
      queueWaitP95Minutes: seed * 10,
      makespanRatioToIdeal: seed,
    },
  };
}

test('the JSON has exactly the issue’s field names, each a number (coldStartRatio: name -> number)', () => {
  // prepare
  const input = figures(1.5);
  // act
  const json = JSON.parse(JSON.stringify(toBenchJson(input))) as Record<string, unknown>;
  // assess
  expect(Object.keys(json).sort()).toEqual(
    [
      'burst',
      'coldStartRatio',
      'coldStartRatioMax',
      'orchestrationShareOfGpuPerAvatar',
      'orchestrationShareOfGpuPerSubject',
      'validationPeakRssMb',
      'validationRatio',
    ].sort(),
  );
  expect(Object.keys(json.burst as object).sort()).toEqual(
    [
      'capacity',
      'lost',
      'makespanRatioToIdeal',
      'maxConcurrentTrainings',
      'outcomes',
      'queueWaitP95Minutes',
      'subjects',
      'trainedTwice',
    ].sort(),
  );
  for (const [key, value] of Object.entries(json)) {
    if (key === 'burst' || key === 'coldStartRatio') continue;
    expect({ key, type: typeof value }).toEqual({ key, type: 'number' });
  }
  for (const value of Object.values(json.burst as object)) expect(typeof value).toBe('number');
  expect(json.coldStartRatio).toEqual({ recordPhoto: 1.5, apiAuthorizer: 1.6 });
});

test('each figure comes from its own measurement', () => {
  // prepare
  const a = toBenchJson(figures(2));
  // act
  const b = toBenchJson(figures(3));
  // assess: every field follows its input (none is a constant)
  expect(a.validationRatio).not.toBe(b.validationRatio);
  expect(a.validationPeakRssMb).not.toBe(b.validationPeakRssMb);
  expect(a.orchestrationShareOfGpuPerSubject).not.toBe(b.orchestrationShareOfGpuPerSubject);
  expect(a.orchestrationShareOfGpuPerAvatar).not.toBe(b.orchestrationShareOfGpuPerAvatar);
  expect(a.coldStartRatioMax).not.toBe(b.coldStartRatioMax);
  expect(a.burst.queueWaitP95Minutes).not.toBe(b.burst.queueWaitP95Minutes);
});

test('--json FILE and --json=FILE name the output; --json alone is an error naming the fix', () => {
  // prepare / act / assess
  expect(jsonPathFrom(['--json', 'out.json'])).toBe('out.json');
  expect(jsonPathFrom(['--json=out.json'])).toBe('out.json');
  expect(jsonPathFrom([])).toBeUndefined();
  expect(() => jsonPathFrom(['--json'])).toThrow(/--json needs a file name/);
});
