import * as z from 'zod';

/**
 * `dry-run`: the same workflows with the stand-in trainer and generator, on AWS as locally: no GPU time, no
 * GPU cost, so a client team can integrate end to end for free. Photos are still checked and images still
 * screened, and every event and answer says `dry-run`, so a stand-in result never passes for a real one.
 */
export const RunMode = z
  .enum(['live', 'dry-run'])
  .describe('live: SageMaker trains and serves; dry-run: stand-ins do, with no GPU time (and say so)');
export type RunMode = z.infer<typeof RunMode>;

export const DRY_RUN: RunMode = 'dry-run';
export const LIVE: RunMode = 'live';

/**
 * The `mode` field of an event or answer: present (`dry-run`) in a dry run, absent when live, so that live
 * events keep the shape they always had.
 */
export const modeField = (mode: RunMode | undefined): { mode?: 'dry-run' } =>
  mode === DRY_RUN ? { mode: DRY_RUN } : {};

/** What a run is when nothing asked for dry-run. */
export const runModeOf = (mode: RunMode | undefined): RunMode => mode ?? LIVE;

/** Who stands in for SageMaker in a dry run: named in `trainedBy`, `servedBy` and `generatedBy`. */
export const DRY_RUN_PERFORMER = 'dry-run-stand-in' as const;
