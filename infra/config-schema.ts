/**
 * The one definition of the pipeline's CDK context: every key, what it means, its default and what it accepts.
 * `infra/config.ts` reads the context through it; the doc comment on each key is what `PipelineConfig` shows.
 *
 * Context values arrive as strings from `-c key=value` and as JSON values from `cdk.json` (or
 * `createPipelineApp({ context })`), so integers and flags accept both forms: `5` and `"5"`, `true` and `"true"`.
 * Every message is a phrase that follows `Context "<key>"=<value as given>` and says what is allowed.
 */
import { inspect } from 'node:util';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { TENANT_ID_PATTERN, TENANT_ID_RULE } from '../events/identifiers.js';
import { TOXICITY_LABELS } from '../functions/generation/toxicity-labels.js';
import { PIPELINE_DEFAULTS } from '../functions/platform/pipeline-defaults.js';

export const NON_ENGLISH_PROMPT_POLICIES = ['reject', 'allow-unscreened'] as const;

/** The levels a Step Functions state machine logs at (CloudWatch Logs), from nothing to everything. */
export const WORKFLOW_LOG_LEVELS = ['OFF', 'FATAL', 'ERROR', 'ALL'] as const;
export type WorkflowLogLevel = (typeof WORKFLOW_LOG_LEVELS)[number];
export type NonEnglishPromptPolicy = (typeof NON_ENGLISH_PROMPT_POLICIES)[number];

const THRESHOLD_KEYS = ['TOXICITY', ...TOXICITY_LABELS] as const;
/** Keys of `toxicityThresholds`: TOXICITY (the overall score) and Comprehend's labels, refused at synth otherwise. */
export const TOXICITY_THRESHOLD_KEYS: readonly string[] = THRESHOLD_KEYS;

/** S3's limit on a SigV4 presigned URL (7 days). */
export const MAX_PRESIGNED_URL_SECONDS = 604_800;

/** SageMaker's limit on an asynchronous invocation (`InvocationTimeoutSeconds`). */
export const MAX_ASYNC_INVOCATION_SECONDS = 3600;

/** The retentions CloudWatch Logs offers, in days (9999 = never expire). */
const LOG_RETENTIONS: readonly number[] = Object.values(RetentionDays).filter(
  (days): days is number => typeof days === 'number',
);
const RETENTION_ALLOWED = `must be a retention CloudWatch Logs offers, in days: ${LOG_RETENTIONS.filter((d) => d !== RetentionDays.INFINITE).join(', ')} or ${RetentionDays.INFINITE} (never expire)`;

/** A GPU instance type SageMaker hosting offers: `ml.<g or p family>.<size>` (ml.g5.xlarge, ml.p4d.24xlarge). */
const GPU_INSTANCE_TYPE = /^ml\.[gp][0-9][a-z0-9]*\.(\d*x)?large$/;
/** A Hugging Face model id (`owner/name`) or an S3 prefix (`s3://bucket/key...`). */
const BASE_MODEL =
  /^([A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+)$/;
/** An image in a private ECR repository, by tag or by digest. */
const ECR_IMAGE_URI =
  /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** A value as the deployer gave it: JSON where it has one (strings quoted), shortened past 200 characters. */
export function showValue(value: unknown): string {
  let shown: string | undefined;
  try {
    shown = JSON.stringify(value);
  } catch {
    // A BigInt or a cycle: only a programmatic context can hold one.
  }
  // One line: a message has one line per key.
  shown ??= inspect(value, { breakLength: Number.POSITIVE_INFINITY, compact: true }).replace(
    /\s*\n\s*/g,
    ' ',
  );
  if (shown.length <= 200) return shown;
  const length = typeof value === 'string' ? value.length : shown.length;
  return `${shown.slice(0, 200)}... (${length} characters)`;
}

/** `-c key=5` gives the string "5": read it as `Number` does ("5", " 5 ", "5.0", "1e3"; "" is no number). */
function numberFromText(value: unknown): unknown {
  return typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
}

/** A whole number from `min` to `max` (a JSON number or its text; 5.5 and "5.5" are refused). */
function integer(min: number, max?: number) {
  const allowed =
    max === undefined ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${max}`;
  // Not z.int(): its issue aborts the whole object, which would hide the checks across keys (maxPhotos >= minPhotos).
  const whole = z
    .number({ error: allowed })
    .refine(Number.isSafeInteger, { error: allowed })
    .min(min, { error: allowed });
  return z.preprocess(numberFromText, max === undefined ? whole : whole.max(max, { error: allowed }));
}

/** `true` or `false`, as a JSON boolean or as the text `-c key=true` gives. */
function flag() {
  return z.preprocess(
    (value) => (value === 'true' ? true : value === 'false' ? false : value),
    z.boolean({ error: 'must be true or false' }),
  );
}

/** A string matching `pattern`; `what` says in words what it is. */
function text(pattern: RegExp, what: string) {
  const allowed = `must be ${what} (${pattern})`;
  return z.string({ error: allowed }).regex(pattern, { error: allowed });
}

/** One of `values`, exactly as written. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.map((v) => `"${v}"`).join(', ')}` });
}

/**
 * A comma-separated list of entries, each matching `entry` once trimmed, normalized to `a,b,c`. Empty only when
 * `allowEmpty`; at most `maxLength` characters (Lambda caps a function's environment at 4 KB in all).
 */
function list(options: { entry: RegExp; what: string; allowEmpty: boolean; maxLength: number }) {
  const expected = `expected ${options.what}, comma-separated`;
  return z
    .string({ error: `must be a comma-separated string: ${expected}` })
    .max(options.maxLength, { error: `is longer than ${options.maxLength} characters` })
    .transform((raw, ctx) => {
      if (raw.trim() === '') {
        if (!options.allowEmpty)
          ctx.issues.push({
            code: 'custom',
            input: raw,
            message: `must name at least one entry: ${expected}`,
          });
        return '';
      }
      const entries = raw.split(',').map((e) => e.trim());
      for (const e of entries.filter((e) => !options.entry.test(e))) {
        ctx.issues.push({
          code: 'custom',
          input: raw,
          message: `has an entry ${JSON.stringify(e)} that does not match ${options.entry}: ${expected}`,
        });
      }
      return entries.join(',');
    });
}

/** A JSON object (or its text) of toxicity label to a score from 0 to 1, kept as normalized JSON text. */
function thresholds() {
  const expected =
    'expected a JSON object of label to a score from 0 to 1, e.g. {"TOXICITY":0.5,"SEXUAL":0.3}';
  const known = `(known: ${THRESHOLD_KEYS.join(', ')})`;
  const notAScore = (issue: { path?: PropertyKey[] | undefined; input?: unknown }) =>
    `gives ${String(issue.path?.at(-1))} ${showValue(issue.input)}, not a number from 0 to 1`;
  const score = z.number({ error: notAScore }).min(0, { error: notAScore }).max(1, { error: notAScore });
  const scores = z.record(z.string(), score, { error: `is not an object: ${expected}` }).superRefine(
    (labels, ctx) => {
      const unknown = Object.keys(labels).filter((label) => !TOXICITY_THRESHOLD_KEYS.includes(label));
      if (unknown.length > 0) {
        const names = unknown.map((label) => JSON.stringify(label)).join(', ');
        ctx.addIssue({ code: 'custom', message: `has an unknown label ${names} ${known}` });
      }
      if (Object.keys(labels).length === 0)
        ctx.addIssue({ code: 'custom', message: `names no label: ${expected}` });
    },
    // Also when a score is wrong: every problem of the object at once. Not when it is no object at all.
    { when: (payload) => payload.issues.every((issue) => (issue.path?.length ?? 0) > 0) },
  );
  return z
    .preprocess((raw, ctx) => {
      if (typeof raw !== 'string') return raw;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.issues.push({ code: 'custom', input: raw, message: `is not JSON: ${expected}` });
        return z.NEVER;
      }
    }, scores)
    .transform((labels) => JSON.stringify(labels));
}

/** A JSON object (or its text) of 12-digit AWS account id to tenant id, kept as normalized JSON text. */
function partnerAccounts() {
  const expected = 'expected a JSON object of 12-digit account id to tenant id, e.g. {"111122223333":"acme"}';
  const map = z
    .record(z.string(), z.string(), { error: `is not an object: ${expected}` })
    .superRefine((accounts, ctx) => {
      for (const [account, tenant] of Object.entries(accounts)) {
        if (!/^\d{12}$/.test(account))
          ctx.addIssue({
            code: 'custom',
            message: `has ${JSON.stringify(account)}, not a 12-digit account id`,
          });
        if (!TENANT_ID_PATTERN.test(tenant))
          ctx.addIssue({
            code: 'custom',
            message: `maps ${account} to ${JSON.stringify(tenant)}, not a tenant id (${TENANT_ID_RULE})`,
          });
      }
    });
  return z
    .preprocess((raw, ctx) => {
      if (typeof raw !== 'string') return raw;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.issues.push({ code: 'custom', input: raw, message: `is not JSON: ${expected}` });
        return z.NEVER;
      }
    }, map)
    .transform((accounts) => JSON.stringify(accounts));
}

/**
 * Every key a deployer may set, each with its default; a key without one is unset unless given. The doc comments
 * are the documentation of `PipelineConfig`, and a test holds every `@default` to the value parsed from `{}`.
 */
export const PIPELINE_CONFIG_SHAPE = {
  /**
   * CloudFormation stack name. Context `stackName`.
   * @default "AvatarPipeline"
   */
  stackName: text(
    /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
    'a stack name: a letter, then letters, digits or hyphens, 128 characters at most',
  ).default('AvatarPipeline'),
  /**
   * Name of the pipeline's own EventBridge bus. Context `eventBusName`.
   * @default "avatar-pipeline"
   */
  eventBusName: text(
    /^[A-Za-z0-9._-]{1,256}$/,
    'an event bus name: 1 to 256 letters, digits, ".", "_" or "-"',
  ).default('avatar-pipeline'),
  /**
   * Keep the photos bucket and the subject ledger when the stack is deleted; `false` (for dev stacks) destroys
   * them and empties the bucket on delete. Context `retainData`.
   * @default true
   */
  retainData: flag().default(true),
  /**
   * Retention of every log group the stack creates, in days: one that CloudWatch Logs offers (1, 3, 5, 7, 14,
   * 30, 60, 90, ..., 3653, or 9999 for never). Context `logRetentionDays`.
   * @default 30
   */
  logRetentionDays: z
    .preprocess(
      numberFromText,
      z
        .number({ error: RETENTION_ALLOWED })
        .refine((days) => LOG_RETENTIONS.includes(days), { error: RETENTION_ALLOWED }),
    )
    .default(30),
  /**
   * Days after they were written that the photos people drop (`subjects/`, and `tenants/` once tenancy lands) and
   * the face crops and training requests made from them (`training/`) are deleted by the bucket's lifecycle rules
   * (Astria deletes after 30 days too). A subject trained from them keeps its model. Context `photoRetentionDays`.
   * @default 30
   */
  photoRetentionDays: integer(1, 3650).default(30),
  /**
   * Days after they were written that generated images moderation blocked (`quarantine/`, never linked to anyone)
   * are deleted: long enough to review a false positive. Context `quarantineRetentionDays`.
   * @default 7
   */
  quarantineRetentionDays: integer(1, 3650).default(7),
  /**
   * Days after they were generated that delivered avatars (`avatars/`) are deleted. Their links last at most 7 days
   * (see `linkExpirySeconds`): a client keeps what it wants; 90 days leaves time to fetch them again. Context
   * `avatarRetentionDays`.
   * @default 90
   */
  avatarRetentionDays: integer(1, 3650).default(90),
  /**
   * Days after they were written that the training endpoint's working files are deleted: its responses and failures
   * (`async-inference/`) and the adapters it trained (`adapters/`, copied to `models/` as soon as the training
   * ends). Context `trainingOutputRetentionDays`.
   * @default 7
   */
  trainingOutputRetentionDays: integer(1, 3650).default(7),
  /**
   * Days an overwritten or deleted object's previous version is kept (the bucket is versioned so that a mistaken
   * overwrite can be undone): after this, an erased or expired photo is gone for good. Context
   * `noncurrentVersionRetentionDays`.
   * @default 1
   */
  noncurrentVersionRetentionDays: integer(1, 365).default(1),
  /**
   * Days the ingest bucket's server access logs are kept (they name every object key, photos included, and the
   * addresses that read them). Context `accessLogRetentionDays`.
   * @default 90
   */
  accessLogRetentionDays: integer(1, 3650).default(90),
  /**
   * What the state machines log to CloudWatch Logs: `OFF`, `FATAL`, `ERROR` (failed executions and states) or
   * `ALL` (every state transition). Context `workflowLogLevel`.
   * @default "ERROR"
   */
  workflowLogLevel: oneOf(WORKFLOW_LOG_LEVELS).default('ERROR'),
  /**
   * Include execution data (state inputs and outputs: subject ids, photo keys, prompts, presigned links, task
   * tokens) in the state machines' logs. For debugging only: synth warns while it is on. Context
   * `workflowLogExecutionData`.
   * @default false
   */
  workflowLogExecutionData: flag().default(false),
  /**
   * An address subscribed to the notification topic; unset, nobody is subscribed. Context `notificationEmail`.
   * @default undefined
   */
  notificationEmail: text(/^[^@\s]+@[^@\s]+$/, 'an email address').optional(),
  /**
   * Build the sharp layer (linux-arm64 binaries installed with npm). `false` leaves the image functions without
   * sharp: only for synth-only checks that must not touch the npm registry. Context `sharpLayer`.
   * @default true
   */
  sharpLayer: flag().default(true),
  /**
   * Fewest usable photos for a subject to be trained. Context `minPhotos`.
   * @default 10
   */
  minPhotos: integer(1).default(PIPELINE_DEFAULTS.minPhotos),
  /**
   * Most photos considered per subject; at least `minPhotos`. Context `maxPhotos`.
   * @default 15
   */
  maxPhotos: integer(1).default(PIPELINE_DEFAULTS.maxPhotos),
  /**
   * Shortest side a photo must have, in pixels. Context `minSidePx`.
   * @default 512
   */
  minSidePx: integer(1).default(PIPELINE_DEFAULTS.minSidePx),
  /**
   * Largest photo accepted, in bytes (default 40 MiB). Context `maxFileBytes`.
   * @default 41943040
   */
  maxFileBytes: integer(1).default(PIPELINE_DEFAULTS.maxFileBytes),
  /**
   * Largest decoded photo accepted, in pixels (sharp's `limitInputPixels`). Context `maxPixels`.
   * @default 50000000
   */
  maxPixels: integer(1).default(PIPELINE_DEFAULTS.maxPixels),
  /**
   * With subject.json in the folder, no new object for this long, in seconds, seals the set: a browser uploads a
   * folder in any order, so nothing seals on arrival. Context `settlePeriodSeconds`.
   * @default 15
   */
  settlePeriodSeconds: integer(1, 3600).default(PIPELINE_DEFAULTS.settlePeriodSeconds),
  /**
   * A folder without subject.json and with no new photo for this long, in seconds, is sealed. Context
   * `quietPeriodSeconds`.
   * @default 60
   */
  quietPeriodSeconds: integer(1).default(PIPELINE_DEFAULTS.quietPeriodSeconds),
  /**
   * A folder that never reaches `minPhotos` is sealed (and rejected) after this many seconds. Context
   * `incompleteTimeoutSeconds`.
   * @default 900
   */
  incompleteTimeoutSeconds: integer(1).default(PIPELINE_DEFAULTS.incompleteTimeoutSeconds),
  /**
   * Side of the square training crops, in pixels. Context `trainingResolution`.
   * @default 512
   */
  trainingResolution: integer(64).default(PIPELINE_DEFAULTS.trainingResolution),
  /**
   * The Stable Diffusion pipeline that DreamBooth fine-tunes and that serving loads under every adapter: a Hugging
   * Face model id (`owner/name`) or the `s3://bucket/prefix/` of a saved pipeline. The SAME value reaches the
   * training and the serving containers as env `BASE_MODEL` (the seed trained on 2.1-base and served 2.1: never
   * again). With an `s3://` value both execution roles may read that prefix. Context `baseModel`.
   * @default "stabilityai/stable-diffusion-2-1-base"
   */
  baseModel: text(
    BASE_MODEL,
    'a Hugging Face model id (owner/name) or an s3://bucket/prefix of a saved pipeline',
  ).default(PIPELINE_DEFAULTS.baseModel),
  /**
   * The Hugging Face commit (40 hex digits) of `baseModel` that the containers download, when `baseModel` is a
   * Hugging Face id and the containers may reach the Hub (`isolatedNetwork=false`); unset, whatever the Hub serves
   * at start. With an `s3://` base model the revision is the one staged (`npm run stage-base-model`). Context
   * `baseModelRevision`.
   * @default undefined
   */
  baseModelRevision: text(/^[0-9a-f]{40}$/, 'a Hugging Face commit hash: 40 lowercase hex digits').optional(),
  /**
   * Run both SageMaker endpoints in a VPC of their own with no route to the internet: private isolated subnets, no
   * NAT, an S3 gateway endpoint that admits only the pipeline's buckets, and interface endpoints for CloudWatch Logs
   * and SNS. The base model must then be an `s3://` copy. `false` gives the containers SageMaker's default network,
   * with internet access (weaker: a compromised container can send face crops anywhere). Context `isolatedNetwork`.
   * @default true
   */
  isolatedNetwork: flag().default(true),
  /**
   * GPU instance of the asynchronous training endpoint. Context `trainingInstanceType`.
   * @default "ml.g5.xlarge"
   */
  trainingInstanceType: text(GPU_INSTANCE_TYPE, 'a GPU instance type such as ml.g5.xlarge').default(
    'ml.g5.xlarge',
  ),
  /**
   * Trainings that may run at once: the training endpoint's maximum instance count (one training per instance).
   * A fresh account's endpoint quota for ml.g5.xlarge typically allows 1; raise the quota first, then this.
   * Context `trainingConcurrency`.
   * @default 1
   */
  trainingConcurrency: integer(1).default(1),
  /**
   * Longest a single training invocation may run on the endpoint, in seconds (`InvocationTimeoutSeconds` of
   * InvokeEndpointAsync; SageMaker accepts 1 to 3600, short values are for tests of the timeout path). Context
   * `trainingInvocationTimeoutSeconds`.
   * @default 3600
   */
  trainingInvocationTimeoutSeconds: integer(1, MAX_ASYNC_INVOCATION_SECONDS).default(3600),
  /**
   * How long the training workflow waits for the endpoint's SNS callback, in seconds, queueing and scale-from-zero
   * included; at least `trainingInvocationTimeoutSeconds`. Context `trainingTimeoutSeconds`.
   * @default 7200
   */
  trainingTimeoutSeconds: integer(1).default(7200),
  /**
   * GPU instance of the multi-model (serving) endpoint. Context `servingInstanceType`.
   * @default "ml.g5.2xlarge"
   */
  servingInstanceType: text(
    GPU_INSTANCE_TYPE,
    'a GPU instance type such as ml.g5.2xlarge (GPU multi-model endpoints need one)',
  ).default('ml.g5.2xlarge'),
  /**
   * Instances behind the multi-model endpoint (always on). Context `servingInstanceCount`.
   * @default 1
   */
  servingInstanceCount: integer(1).default(1),
  /**
   * A prebuilt training image in ECR, by digest (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 hex>`,
   * so that what runs is what was reviewed; a `:<tag>` is accepted with a synth warning, since a tag can be moved),
   * used instead of building `sagemaker/training` at deploy (which needs Docker); unset, it is built. Context
   * `trainingImageUri`.
   * @default undefined
   */
  trainingImageUri: text(ECR_IMAGE_URI, 'an ECR image URI').optional(),
  /**
   * The same for the serving (Triton) image built from `sagemaker/serving`, by digest too. Context
   * `servingImageUri`.
   * @default undefined
   */
  servingImageUri: text(ECR_IMAGE_URI, 'an ECR image URI').optional(),
  /**
   * Images of one generation request generated at once (the Map's MaxConcurrency; an inline Map runs at most 40
   * iterations at once): bounded so that one subject cannot starve the shared multi-model endpoint. Context
   * `imageConcurrency`.
   * @default 2
   */
  imageConcurrency: integer(1, 40).default(2),
  /**
   * How many times an image that image moderation blocked is generated again (with a new seed) before it is
   * withheld, 0 to 10. Context `maxRegenerations`.
   * @default 2
   */
  maxRegenerations: integer(0, 10).default(PIPELINE_DEFAULTS.maxRegenerations),
  /**
   * Requested lifetime of the presigned avatar links, in seconds; at most 604800 (7 days, S3's SigV4 limit).
   * A presigned URL is never valid longer than the credentials that signed it (see Generation).
   * Context `linkExpirySeconds`.
   * @default 604800
   */
  linkExpirySeconds: integer(1, MAX_PRESIGNED_URL_SECONDS).default(PIPELINE_DEFAULTS.linkExpirySeconds),
  /**
   * What to do with a prompt that is not in English (Comprehend's toxicity detection is English only): `reject`
   * it, or `allow-unscreened` (generate without text screening; images are still screened). Context
   * `nonEnglishPromptPolicy`.
   * @default "reject"
   */
  nonEnglishPromptPolicy: oneOf(NON_ENGLISH_PROMPT_POLICIES).default(
    PIPELINE_DEFAULTS.nonEnglishPromptPolicy,
  ),
  /**
   * Extra deny-list entries for prompts, comma-separated (each 1 to 100 characters, 2000 in all), on top of the
   * built-in list. Context `promptDenyList`.
   * @default ""
   */
  promptDenyList: list({
    entry: /^[^,\s][^,]{0,99}$/,
    what: 'phrases of 1 to 100 characters',
    allowEmpty: true,
    maxLength: 2000,
  }).default(''),
  /**
   * Toxicity thresholds as a JSON object of label (`TOXICITY`, `SEXUAL`, `HATE_SPEECH`, ...) to a score from 0 to 1
   * above which a prompt is rejected, kept as JSON text; unset, the built-in thresholds apply. Context
   * `toxicityThresholds` (a JSON string, or an object in cdk.json).
   * @default undefined
   */
  toxicityThresholds: thresholds().optional(),
  /**
   * Most images one generation request may ask for (prompts x images per prompt; Avatar Generation Requested
   * allows 20 prompts x 8 images per prompt). Context `maxImagesPerRequest`.
   * @default 24
   */
  maxImagesPerRequest: integer(1, 160).default(PIPELINE_DEFAULTS.maxImagesPerRequest),
  /**
   * Rekognition moderation categories (top-level or second-level label names, comma-separated, 1000 characters in
   * all) that block a generated image. Context `blockedImageCategories`.
   * @default "Explicit,Explicit Nudity,Non-Explicit Nudity of Intimate parts and Kissing,Violence,Visually Disturbing,Hate Symbols,Drugs & Tobacco"
   */
  blockedImageCategories: list({
    entry: /^[A-Za-z0-9][A-Za-z0-9 &'/-]{0,99}$/,
    what: 'Rekognition moderation label names such as Explicit or Violence',
    allowEmpty: false,
    maxLength: 1000,
  }).default(PIPELINE_DEFAULTS.blockedImageCategories.join(',')),
  /**
   * Lowest Rekognition confidence (0 to 100) at which a moderation label counts. Context
   * `imageModerationMinConfidence`.
   * @default 60
   */
  imageModerationMinConfidence: integer(0, 100).default(PIPELINE_DEFAULTS.imageModerationMinConfidence),
  /**
   * Attach an AWS WAF web ACL (AWS managed common rules, known bad inputs, and a rate limit per IP) to the HTTP API's
   * stage. Context `apiWaf`.
   * @default false
   */
  apiWaf: flag().default(false),
  /** Steady requests per second of one API client (its usage plan). Context `apiRateLimit`. @default 10 */
  apiRateLimit: integer(1, 10_000).default(10),
  /** Burst of requests of one API client (its usage plan). Context `apiBurstLimit`. @default 20 */
  apiBurstLimit: integer(1, 5_000).default(20),
  /** GPU images a tenant may order per UTC day through the HTTP API. Context `apiGpuImagesPerDay`. @default 200 */
  apiGpuImagesPerDay: integer(1, 1_000_000).default(200),
  /**
   * Ports other than 443 that a webhook URL may name, comma-separated (e.g. `8443`); on AWS a webhook goes only to
   * https on 443 or one of these. Context `webhookAllowedPorts`.
   * @default ""
   */
  webhookAllowedPorts: list({
    entry: /^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$/,
    what: 'TCP ports from 1 to 65535',
    allowEmpty: true,
    maxLength: 200,
  }).default(''),
  /**
   * Let webhooks go to loopback receivers (127.0.0.1, ::1, localhost), over plain http too. The local runtime sets
   * it; a deployed stack must not (synth warns). Every other private or metadata address is refused either way.
   * Context `webhookLoopbackReceivers`.
   * @default false
   */
  webhookLoopbackReceivers: flag().default(false),
  /**
   * How long a rotated-out webhook secret keeps signing, in seconds: meanwhile every delivery carries both
   * signatures, space-separated, so receivers can switch without losing a message. Context
   * `webhookSecretOverlapSeconds`.
   * @default 86400
   */
  webhookSecretOverlapSeconds: integer(0, 7 * 86400).default(86400),
  /**
   * Destinations of one event attempted at once (the webhooks Map's MaxConcurrency). Context
   * `webhookDestinationConcurrency`.
   * @default 10
   */
  webhookDestinationConcurrency: integer(1, 40).default(10),
  /**
   * Partner AWS accounts admitted to put partner events (`Avatar Generation Requested`) on the bus, each mapped to
   * the tenant it acts for, as a JSON object (or its text): `{"111122223333":"acme"}`. The event's `account`
   * decides the tenant; a partner never names one. Context `partnerAccounts`.
   * @default "{}"
   */
  partnerAccounts: partnerAccounts().default('{}'),
  /**
   * An AWS Organization (`o-...`) whose accounts may put partner events on the bus; an account of it that
   * `partnerAccounts` does not map to a tenant gets a Request Rejected. Context `partnerOrganizationId`.
   * @default undefined
   */
  partnerOrganizationId: text(
    /^o-[a-z0-9]{10,32}$/,
    'an AWS Organization id (o- and 10 to 32 letters or digits)',
  ).optional(),
  /**
   * Days the bus archive keeps every event put on the pipeline's bus (0: for ever), for replays. Context
   * `eventArchiveRetentionDays`.
   * @default 30
   */
  eventArchiveRetentionDays: integer(0, 3650).default(30),
};

export type PipelineConfigKey = keyof typeof PIPELINE_CONFIG_SHAPE;
type IntegerKey = {
  [K in PipelineConfigKey]: z.output<(typeof PIPELINE_CONFIG_SHAPE)[K]> extends number ? K : never;
}[PipelineConfigKey];

/** The keys, in the order of the shape (the order in which problems are reported). */
export const PIPELINE_CONFIG_KEYS = Object.keys(PIPELINE_CONFIG_SHAPE) as readonly PipelineConfigKey[];

/**
 * An issue about two keys at once carries its whole line (`params.line`), since it names both values itself.
 * `when`: it is checked when both keys are valid on their own, whatever else is wrong.
 */
function atLeast(key: IntegerKey, floor: IntegerKey, why: string) {
  return {
    when: (payload: z.core.ParsePayload) =>
      !payload.issues.some((i) => i.path?.[0] === key || i.path?.[0] === floor),
    check: (config: { readonly [K in IntegerKey]: number }, ctx: z.RefinementCtx) => {
      const value = config[key];
      const limit = config[floor];
      if (value >= limit) return;
      ctx.addIssue({
        code: 'custom',
        path: [key],
        params: { line: true },
        message: `Context ${key} (${value}) is below ${floor} (${limit})${why}; ${key} must be at least ${floor}`,
      });
    },
  };
}

const photos = atLeast('maxPhotos', 'minPhotos', '');
const training = atLeast(
  'trainingTimeoutSeconds',
  'trainingInvocationTimeoutSeconds',
  ': the workflow would stop waiting before the training may end',
);

/** The pipeline's context, parsed: `{}` gives the defaults; the result is frozen. */
export const PIPELINE_CONFIG_SCHEMA = z
  .object(PIPELINE_CONFIG_SHAPE)
  .superRefine(photos.check, { when: photos.when })
  .superRefine(training.check, { when: training.when })
  .readonly();
