/**
 * The pipeline's CDK context (infra/config.ts, infra/config-schema.ts): defaults, coercion of `-c` strings, and a
 * refusal for every kind of bad value that names the key, the value as given and what is allowed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import ts from 'typescript';
import {
  DEFAULT_CONFIG,
  InvalidConfigurationError,
  type PipelineConfig,
  readPipelineConfig,
} from '../../../infra/config.js';
import { PIPELINE_CONFIG_KEYS } from '../../../infra/config-schema.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../../infra/config-schema.ts', import.meta.url));
const CDK_JSON = fileURLToPath(new URL('../../../cdk.json', import.meta.url));

function configOf(context: Record<string, unknown>): PipelineConfig {
  return readPipelineConfig(new App({ context }).node);
}

/** The error a context is refused with; fails the test when the context is accepted. */
function refusalOf(context: Record<string, unknown>): InvalidConfigurationError {
  try {
    configOf(context);
  } catch (error) {
    if (error instanceof InvalidConfigurationError) return error;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(context)}`);
}

/** Each key of the schema's shape with its doc comment and its `@default` text, read from the source. */
function documentedKeys(): { key: string; doc: string; defaultText: string | undefined }[] {
  const source = ts.createSourceFile(
    SCHEMA_FILE,
    readFileSync(SCHEMA_FILE, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  let shape: ts.ObjectLiteralExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      node.name.getText() === 'PIPELINE_CONFIG_SHAPE' &&
      node.initializer &&
      ts.isObjectLiteralExpression(node.initializer)
    ) {
      shape = node.initializer;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (!shape) throw new Error('PIPELINE_CONFIG_SHAPE not found');
  return shape.properties.map((property) => {
    const doc = ts
      .getJSDocCommentsAndTags(property)
      .filter(ts.isJSDoc)
      .map((jsDoc) => ts.getTextOfJSDocComment(jsDoc.comment) ?? '')
      .join(' ')
      .replace(/\s+/g, ' ');
    const tag = ts.getJSDocTags(property).find((t) => t.tagName.text === 'default');
    return {
      key: property.name?.getText() ?? '',
      doc,
      defaultText: tag ? ts.getTextOfJSDocComment(tag.comment)?.trim() : undefined,
    };
  });
}

describe('defaults', () => {
  test('no context gives the documented defaults', () => {
    // Prepare: cdk.json's context, as createPipelineApp adds it (CDK's feature flags, none of our keys)
    const cdkJson = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> };

    // Act
    const config = configOf(cdkJson.context);

    // Assess: the values the hand-written defaults had, and the README's table
    expect(config).toEqual({
      stackName: 'AvatarPipeline',
      eventBusName: 'avatar-pipeline',
      retainData: true,
      logRetentionDays: 30,
      photoRetentionDays: 30,
      quarantineRetentionDays: 7,
      avatarRetentionDays: 90,
      trainingOutputRetentionDays: 7,
      noncurrentVersionRetentionDays: 1,
      accessLogRetentionDays: 90,
      workflowLogLevel: 'ERROR',
      workflowLogExecutionData: false,
      sharpLayer: true,
      minPhotos: 10,
      maxPhotos: 15,
      minSidePx: 512,
      maxFileBytes: 40 * 1024 * 1024,
      maxPixels: 50_000_000,
      settlePeriodSeconds: 15,
      quietPeriodSeconds: 60,
      incompleteTimeoutSeconds: 900,
      trainingResolution: 512,
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
      isolatedNetwork: true,
      trainingInstanceType: 'ml.g5.xlarge',
      trainingConcurrency: 1,
      trainingInvocationTimeoutSeconds: 3600,
      trainingTimeoutSeconds: 7200,
      servingInstanceType: 'ml.g5.2xlarge',
      servingInstanceCount: 1,
      imageConcurrency: 2,
      maxRegenerations: 2,
      linkExpirySeconds: 604_800,
      nonEnglishPromptPolicy: 'reject',
      promptDenyList: '',
      maxImagesPerRequest: 24,
      blockedImageCategories:
        'Explicit,Explicit Nudity,Non-Explicit Nudity of Intimate parts and Kissing,Violence,Visually Disturbing,Hate Symbols,Drugs & Tobacco',
      imageModerationMinConfidence: 60,
      apiWaf: false,
      apiRateLimit: 10,
      apiBurstLimit: 20,
      apiGpuImagesPerDay: 200,
      webhookAllowedPorts: '',
      webhookLoopbackReceivers: false,
      webhookSecretOverlapSeconds: 86400,
      webhookDestinationConcurrency: 10,
      partnerAccounts: '{}',
      eventArchiveRetentionDays: 30,
    });
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config.notificationEmail).toBeUndefined();
    expect(config.trainingImageUri).toBeUndefined();
    expect(config.servingImageUri).toBeUndefined();
    expect(config.toxicityThresholds).toBeUndefined();
    expect(config.baseModelRevision).toBeUndefined();
    expect(config.partnerOrganizationId).toBeUndefined();
  });

  test("every key's doc comment names its context key and gives the default the schema applies", () => {
    // Prepare: nothing to build; the schema's source is read as TypeScript

    // Act
    const documented = documentedKeys();

    // Assess
    expect(documented.map((d) => d.key)).toEqual([...PIPELINE_CONFIG_KEYS]);
    for (const { key, doc, defaultText } of documented) {
      expect({ key, namesItsKey: doc.includes(`Context \`${key}\``) }).toEqual({ key, namesItsKey: true });
      expect({ key, hasDefault: defaultText !== undefined }).toEqual({ key, hasDefault: true });
      const documentedDefault = defaultText === 'undefined' ? undefined : JSON.parse(defaultText ?? '');
      expect({ key, default: DEFAULT_CONFIG[key as keyof PipelineConfig] }).toEqual({
        key,
        default: documentedDefault,
      });
    }
  });

  test('DEFAULT_CONFIG is frozen, and so is every config read', () => {
    // Prepare: a context with one key set
    const context = { minPhotos: '8' };

    // Act
    const config = configOf(context);

    // Assess
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      // @ts-expect-error PipelineConfig's fields are readonly
      config.minPhotos = 3;
    }).toThrow(TypeError);
  });

  test('every default is itself a value the schema accepts', () => {
    // Prepare: the defaults given back as context, as strings the way `-c` gives them
    const asStrings = Object.fromEntries(Object.entries(DEFAULT_CONFIG).map(([k, v]) => [k, String(v)]));

    // Act
    const fromValues = configOf({ ...DEFAULT_CONFIG });
    const fromStrings = configOf(asStrings);

    // Assess
    expect(fromValues).toEqual(DEFAULT_CONFIG);
    expect(fromStrings).toEqual(DEFAULT_CONFIG);
  });
});

describe('coercion of context values', () => {
  test('strings from -c key=value give the same config as JSON values from cdk.json', () => {
    // Prepare
    const fromCommandLine = {
      retainData: 'false',
      sharpLayer: 'true',
      logRetentionDays: '7',
      minPhotos: '8',
      maxPhotos: '12',
      trainingInvocationTimeoutSeconds: '600',
      trainingTimeoutSeconds: '900',
      maxRegenerations: '0',
      imageModerationMinConfidence: '75',
      toxicityThresholds: '{"SEXUAL":0.3,"TOXICITY":0.5}',
    };
    const fromCdkJson = {
      retainData: false,
      sharpLayer: true,
      logRetentionDays: 7,
      minPhotos: 8,
      maxPhotos: 12,
      trainingInvocationTimeoutSeconds: 600,
      trainingTimeoutSeconds: 900,
      maxRegenerations: 0,
      imageModerationMinConfidence: 75,
      toxicityThresholds: { SEXUAL: 0.3, TOXICITY: 0.5 },
    };

    // Act
    const commandLine = configOf(fromCommandLine);
    const cdkJson = configOf(fromCdkJson);

    // Assess
    expect(commandLine).toEqual({
      ...DEFAULT_CONFIG,
      retainData: false,
      sharpLayer: true,
      logRetentionDays: 7,
      minPhotos: 8,
      maxPhotos: 12,
      trainingInvocationTimeoutSeconds: 600,
      trainingTimeoutSeconds: 900,
      maxRegenerations: 0,
      imageModerationMinConfidence: 75,
      toxicityThresholds: '{"SEXUAL":0.3,"TOXICITY":0.5}',
    });
    expect(cdkJson).toEqual(commandLine);
  });

  test('context from the CDK CLI (-c, passed in CDK_CONTEXT_JSON) arrives as strings and is parsed', () => {
    // Prepare: what `cdk synth -c minPhotos=8 -c retainData=false` hands the app
    const previous = process.env.CDK_CONTEXT_JSON;
    process.env.CDK_CONTEXT_JSON = JSON.stringify({ minPhotos: '8', retainData: 'false' });
    try {
      // Act
      const config = readPipelineConfig(new App().node);

      // Assess
      expect(config).toMatchObject({ minPhotos: 8, retainData: false });
    } finally {
      if (previous === undefined) delete process.env.CDK_CONTEXT_JSON;
      else process.env.CDK_CONTEXT_JSON = previous;
    }
  });

  test.each([
    ['an integer with a fraction', { minPhotos: '5.5' }, 'Context "minPhotos"="5.5" must be an integer >= 1'],
    ['a fractional JSON number', { minPhotos: 5.5 }, 'Context "minPhotos"=5.5 must be an integer >= 1'],
    [
      'an empty string',
      { maxRegenerations: '' },
      'Context "maxRegenerations"="" must be an integer from 0 to 10',
    ],
    [
      'a JSON boolean for a number',
      { maxRegenerations: true },
      'Context "maxRegenerations"=true must be an integer from 0 to 10',
    ],
    ['a flag in capitals', { retainData: 'TRUE' }, 'Context "retainData"="TRUE" must be true or false'],
    ['a flag as a number', { sharpLayer: 1 }, 'Context "sharpLayer"=1 must be true or false'],
    ['null from cdk.json', { minSidePx: null }, 'Context "minSidePx"=null must be an integer >= 1'],
  ])('%s is refused', (_kind, context, message) => {
    // Prepare: the context of the row

    // Act
    const refusal = refusalOf(context);

    // Assess
    expect(refusal.message).toBe(message);
  });

  test('lists are trimmed and thresholds kept as JSON text, as the functions read them', () => {
    // Prepare: values as a deployer might type them, spaces included
    const context = {
      promptDenyList: ' gore , blood ',
      blockedImageCategories: 'Explicit, Violence',
      toxicityThresholds: { TOXICITY: 0.5 },
    };

    // Act
    const config = configOf(context);

    // Assess
    expect(config).toMatchObject({
      promptDenyList: 'gore,blood',
      blockedImageCategories: 'Explicit,Violence',
      toxicityThresholds: '{"TOXICITY":0.5}',
    });
  });
});

describe('refusals name the key, the value as given and what is allowed', () => {
  const known =
    '(known: TOXICITY, PROFANITY, HATE_SPEECH, INSULT, GRAPHIC, HARASSMENT_OR_ABUSE, SEXUAL, VIOLENCE_OR_THREAT)';
  const expectedThresholds =
    'expected a JSON object of label to a score from 0 to 1, e.g. {"TOXICITY":0.5,"SEXUAL":0.3}';

  test.each([
    [
      'integer below its minimum',
      { trainingConcurrency: 'x' },
      'Context "trainingConcurrency"="x" must be an integer >= 1',
    ],
    [
      'integer out of its range',
      { imageConcurrency: 41 },
      'Context "imageConcurrency"=41 must be an integer from 1 to 40',
    ],
    [
      'integer above a service limit',
      { trainingInvocationTimeoutSeconds: 3601 },
      'Context "trainingInvocationTimeoutSeconds"=3601 must be an integer from 1 to 3600',
    ],
    ['flag', { retainData: 'yes' }, 'Context "retainData"="yes" must be true or false'],
    [
      'text that must match a pattern',
      { trainingInstanceType: 'g5.xlarge' },
      'Context "trainingInstanceType"="g5.xlarge" must be a GPU instance type such as ml.g5.xlarge (/^ml\\.[gp][0-9][a-z0-9]*\\.(\\d*x)?large$/)',
    ],
    [
      'text of the wrong type',
      { notificationEmail: 42 },
      'Context "notificationEmail"=42 must be an email address (/^[^@\\s]+@[^@\\s]+$/)',
    ],
    [
      'one of a set',
      { nonEnglishPromptPolicy: 'maybe' },
      'Context "nonEnglishPromptPolicy"="maybe" must be one of "reject", "allow-unscreened"',
    ],
    [
      'log retention CloudWatch does not offer',
      { logRetentionDays: '45' },
      'Context "logRetentionDays"="45" must be a retention CloudWatch Logs offers, in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 or 9999 (never expire)',
    ],
    [
      'list entry that does not match',
      { blockedImageCategories: 'Explicit;Violence' },
      'Context "blockedImageCategories"="Explicit;Violence" has an entry "Explicit;Violence" that does not match /^[A-Za-z0-9][A-Za-z0-9 &\'/-]{0,99}$/: expected Rekognition moderation label names such as Explicit or Violence, comma-separated',
    ],
    [
      'list with an empty entry',
      { promptDenyList: 'ok,,double comma' },
      'Context "promptDenyList"="ok,,double comma" has an entry "" that does not match /^[^,\\s][^,]{0,99}$/: expected phrases of 1 to 100 characters, comma-separated',
    ],
    [
      'empty list where one entry is needed',
      { blockedImageCategories: ' ' },
      'Context "blockedImageCategories"=" " must name at least one entry: expected Rekognition moderation label names such as Explicit or Violence, comma-separated',
    ],
    [
      'list that is no string',
      { promptDenyList: 42 },
      'Context "promptDenyList"=42 must be a comma-separated string: expected phrases of 1 to 100 characters, comma-separated',
    ],
    [
      'thresholds that are not JSON',
      { toxicityThresholds: 'not json' },
      `Context "toxicityThresholds"="not json" is not JSON: ${expectedThresholds}`,
    ],
    [
      'thresholds that are no object',
      { toxicityThresholds: '[0.5]' },
      `Context "toxicityThresholds"="[0.5]" is not an object: ${expectedThresholds}`,
    ],
    [
      'thresholds that name no label',
      { toxicityThresholds: {} },
      `Context "toxicityThresholds"={} names no label: ${expectedThresholds}`,
    ],
    [
      'thresholds with an unknown label',
      { toxicityThresholds: '{"FOO": 0.5}' },
      `Context "toxicityThresholds"="{\\"FOO\\": 0.5}" has an unknown label "FOO" ${known}`,
    ],
    [
      'thresholds with a score out of range',
      { toxicityThresholds: { SEXUAL: 2 } },
      'Context "toxicityThresholds"={"SEXUAL":2} gives SEXUAL 2, not a number from 0 to 1',
    ],
    [
      'maxPhotos below minPhotos',
      { minPhotos: 12, maxPhotos: '8' },
      'Context maxPhotos (8) is below minPhotos (12); maxPhotos must be at least minPhotos',
    ],
    [
      'trainingTimeoutSeconds below trainingInvocationTimeoutSeconds',
      { trainingTimeoutSeconds: 1800 },
      'Context trainingTimeoutSeconds (1800) is below trainingInvocationTimeoutSeconds (3600): the workflow would stop waiting before the training may end; trainingTimeoutSeconds must be at least trainingInvocationTimeoutSeconds',
    ],
  ])('%s', (_kind, context, message) => {
    // Prepare: the context of the row, one bad value (or two that disagree)

    // Act
    const refusal = refusalOf(context);

    // Assess
    expect(refusal.name).toBe('InvalidConfigurationError');
    expect(refusal.message).toBe(message);
  });

  test('a long value is shortened in the message', () => {
    // Prepare
    const tooLong = 'gore,'.repeat(500);

    // Act
    const refusal = refusalOf({ promptDenyList: tooLong });

    // Assess
    expect(refusal.message).toBe(
      `Context "promptDenyList"=${JSON.stringify(tooLong).slice(0, 200)}... (2500 characters) is longer than 2000 characters`,
    );
  });
});

describe('several problems at once', () => {
  test('every bad key is reported in one message, one line per key, in the order of the schema', () => {
    // Prepare
    const context = {
      toxicityThresholds: '{"FOO":0.5,"SEXUAL":2}',
      trainingConcurrency: '5.5',
      retainData: 'yes',
      maxPhotos: 5,
      nonEnglishPromptPolicy: 'maybe',
    };

    // Act
    const refusal = refusalOf(context);

    // Assess
    expect(refusal.message.split('\n')).toEqual([
      'Context "retainData"="yes" must be true or false',
      'Context maxPhotos (5) is below minPhotos (10); maxPhotos must be at least minPhotos',
      'Context "trainingConcurrency"="5.5" must be an integer >= 1',
      'Context "nonEnglishPromptPolicy"="maybe" must be one of "reject", "allow-unscreened"',
      'Context "toxicityThresholds"="{\\"FOO\\":0.5,\\"SEXUAL\\":2}" gives SEXUAL 2, not a number from 0 to 1; has an unknown label "FOO" (known: TOXICITY, PROFANITY, HATE_SPEECH, INSULT, GRAPHIC, HARASSMENT_OR_ABUSE, SEXUAL, VIOLENCE_OR_THREAT)',
    ]);
  });

  test('a check across two keys waits until both are valid on their own', () => {
    // Prepare: trainingInvocationTimeoutSeconds is itself wrong, so comparing it would only add noise
    const context = { trainingInvocationTimeoutSeconds: 'soon', trainingTimeoutSeconds: 60 };

    // Act
    const refusal = refusalOf(context);

    // Assess
    expect(refusal.message).toBe(
      'Context "trainingInvocationTimeoutSeconds"="soon" must be an integer from 1 to 3600',
    );
  });
});

describe('keys the pipeline does not read', () => {
  test("CDK's own keys and the deployment environment are ignored", () => {
    // Prepare: every feature flag and every context key aws-cdk-lib names, plus account and region
    const cdkKeys = [
      ...Object.keys(cxapi.FLAGS),
      ...(Object.values(cxapi) as unknown[]).filter((v): v is string => typeof v === 'string'),
    ];
    const context = {
      ...Object.fromEntries(cdkKeys.map((key) => [key, 'anything'])),
      account: '123456789012',
      region: 'eu-west-1',
      myTeamSetting: 'x',
    };

    // Act
    const config = configOf(context);

    // Assess
    expect(cdkKeys.length).toBeGreaterThan(100);
    expect(config).toEqual(DEFAULT_CONFIG);
  });

  test.each([
    ['minphotos', 'minPhotos'],
    ['trainingConcurency', 'trainingConcurrency'],
    ['maxPhoto', 'maxPhotos'],
    ['retianData', 'retainData'],
  ])('%s is refused as a likely typo of %s', (typo, meant) => {
    // Prepare: the typo, with a value that would be valid for the key meant
    const context = { [typo]: '4' };

    // Act
    const refusal = refusalOf(context);

    // Assess
    expect(refusal.message).toBe(
      `Context "${typo}"="4" is not a setting the pipeline reads: did you mean "${meant}"?`,
    );
  });
});
