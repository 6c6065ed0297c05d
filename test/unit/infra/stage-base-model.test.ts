/**
 * `npm run stage-base-model`: it cannot download or copy anything here, so what is tested is what it would do with
 * its arguments (and what it refuses).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  parseStageArguments,
  StageArgumentsError,
  stagingSteps,
} from '../../../infra/tools/stage-base-model.js';

const REVISION = '5ede9e4bf3e3fd1cb0ef2f7a3fff13ee514fdf06';

describe('stage-base-model arguments', () => {
  test('--revision and --to give the plan, with the default model and a trailing slash', () => {
    // Prepare
    const argv = ['--revision', REVISION, '--to', 's3://my-models/sd21-base'];

    // Act
    const plan = parseStageArguments(argv);

    // Assess
    expect(plan).toEqual({
      model: 'stabilityai/stable-diffusion-2-1-base',
      revision: REVISION,
      destination: 's3://my-models/sd21-base/',
      dryRun: false,
    });
  });

  test('--bucket derives the prefix from the model and the revision; --flag=value works too', () => {
    // Prepare
    const argv = [
      `--revision=${REVISION}`,
      '--bucket',
      'my-models',
      '--model=stabilityai/stable-diffusion-2-1',
      '--dry-run',
    ];

    // Act
    const plan = parseStageArguments(argv);

    // Assess
    expect(plan).toEqual({
      model: 'stabilityai/stable-diffusion-2-1',
      revision: REVISION,
      destination: `s3://my-models/base-models/stabilityai/stable-diffusion-2-1/${REVISION}/`,
      dryRun: true,
    });
  });

  test.each([
    [[], /--revision is required/],
    [['--to', 's3://b/p/'], /--revision is required/],
    [['--revision', 'main', '--to', 's3://bb/p/'], /not a commit hash/],
    [['--revision', REVISION.toUpperCase(), '--to', 's3://bb/p/'], /not a commit hash/],
    [['--revision', REVISION], /exactly one of --to and --bucket/],
    [['--revision', REVISION, '--to', 's3://bb/p/', '--bucket', 'bb'], /exactly one of --to and --bucket/],
    [['--revision', REVISION, '--to', 'https://bb/p/'], /not an s3:\/\/<bucket>\/<prefix> URI/],
    [['--revision', REVISION, '--to', 's3://bucket-only'], /not an s3:\/\/<bucket>\/<prefix> URI/],
    [['--revision', REVISION, '--bucket', 'Not_A_Bucket'], /not a bucket name/],
    [['--revision', REVISION, '--bucket', 'bb', '--model', 'no-owner'], /not a Hugging Face id/],
    [['--revision', REVISION, '--revision', REVISION, '--bucket', 'bb'], /given twice/],
    [['--revision'], /--revision needs a value/],
    [['--revision', '--dry-run'], /--revision needs a value/],
    [['--region', 'eu-west-1'], /Unknown argument "--region"/],
  ])('%j is refused: %s', (argv, message) => {
    // Prepare, Act
    const attempt = () => parseStageArguments(argv);

    // Assess
    expect(attempt).toThrow(StageArgumentsError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/Usage: npm run stage-base-model/);
  });

  test('the steps: the containers’ own download at that revision, then a sync that leaves the local marker out', () => {
    // Prepare
    const plan = parseStageArguments(['--revision', REVISION, '--to', 's3://my-models/sd21/']);

    // Act
    const steps = stagingSteps(plan, '/tmp/x');

    // Assess
    expect(steps).toEqual([
      [
        'python',
        '-m',
        'avatar_training.base_model',
        '--source',
        'stabilityai/stable-diffusion-2-1-base',
        '--dest',
        '/tmp/x',
        '--revision',
        REVISION,
      ],
      [
        'aws',
        's3',
        'sync',
        '/tmp/x',
        's3://my-models/sd21/',
        '--exclude',
        '.avatar-base-model.json',
        '--only-show-errors',
      ],
    ]);
  });

  test('the command exits 2 with the usage on bad arguments, and prints the plan with --dry-run', () => {
    // Prepare
    const script = fileURLToPath(new URL('../../../infra/tools/stage-base-model.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

    // Act
    const bad = spawnSync(tsx, [script, '--revision', 'main', '--bucket', 'bb'], { encoding: 'utf8' });
    const dry = spawnSync(tsx, [script, '--revision', REVISION, '--bucket', 'my-models', '--dry-run'], {
      encoding: 'utf8',
    });

    // Assess
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('not a commit hash');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`aws s3 sync`);
    expect(dry.stdout).toContain(
      `s3://my-models/base-models/stabilityai/stable-diffusion-2-1-base/${REVISION}/`,
    );
  });
});
