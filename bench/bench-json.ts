/**
 * `npm run bench -- --json FILE`: every figure of the run under the names (issue 14), for machines to
 * read. The shape is checked by test/unit/bench/bench-json.test.ts; the values are the run's.
 */
export interface BenchJson {
  /** Function name -> median cold start / the one-client reference's (targets 1.3, API-facing 1.1). */
  coldStartRatio: Record<string, number>;
  coldStartRatioMax: number;
  /** Validation of 15 photos of 12 MP / a bare decode of them (target 1.2). */
  validationRatio: number;
  /** Peak RSS of that validation, in MB (target 1,024). */
  validationPeakRssMb: number;
  /** Training orchestration per subject / the GPU cost of its fine-tune. */
  orchestrationShareOfGpuPerSubject: number;
  /** Generation orchestration per avatar / its GPU cost (target 0.01). */
  orchestrationShareOfGpuPerAvatar: number;
  burst: {
    subjects: number;
    outcomes: number;
    lost: number;
    trainedTwice: number;
    capacity: number;
    maxConcurrentTrainings: number;
    queueWaitP95Minutes: number;
    makespanRatioToIdeal: number;
  };
}

export interface BenchFigures {
  coldStart: { coldStartRatio: Record<string, number>; coldStartRatioMax: number };
  validation: { ratio: number; peakRssMb: number };
  training: { ratio: number };
  generation: { ratio: number };
  burst: BenchJson['burst'];
}

export function toBenchJson(figures: BenchFigures): BenchJson {
  const { burst } = figures;
  return {
    coldStartRatio: { ...figures.coldStart.coldStartRatio },
    coldStartRatioMax: figures.coldStart.coldStartRatioMax,
    validationRatio: figures.validation.ratio,
    validationPeakRssMb: figures.validation.peakRssMb,
    orchestrationShareOfGpuPerSubject: figures.training.ratio,
    orchestrationShareOfGpuPerAvatar: figures.generation.ratio,
    burst: {
      subjects: burst.subjects,
      outcomes: burst.outcomes,
      lost: burst.lost,
      trainedTwice: burst.trainedTwice,
      capacity: burst.capacity,
      maxConcurrentTrainings: burst.maxConcurrentTrainings,
      queueWaitP95Minutes: burst.queueWaitP95Minutes,
      makespanRatioToIdeal: burst.makespanRatioToIdeal,
    },
  };
}

/** The FILE of `--json FILE` (or `--json=FILE`) among the arguments, if any. */
export function jsonPathFrom(args: readonly string[]): string | undefined {
  const at = args.indexOf('--json');
  if (at >= 0) {
    const path = args[at + 1];
    if (!path || path.startsWith('--'))
      throw new Error('--json needs a file name: npm run bench -- --json bench-results.json');
    return path;
  }
  return args.find((arg) => arg.startsWith('--json='))?.slice('--json='.length) || undefined;
}
