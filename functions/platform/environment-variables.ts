/**
 * The names of the environment variables the stack gives the pipeline's functions. Infra sets them from the
 * config, each task descriptor declares the ones it reads, and the local runtime reads them from the synthesized
 * template: one list, so that a name cannot be spelled two ways on the two sides.
 */
export const EnvironmentVariables = {
  /** The ingest bucket, which holds every prefix of `bucket-layout.ts`. */
  photoBucket: 'PHOTO_BUCKET',
  /** The subject ledger (ingest's DynamoDB table). */
  ledgerTable: 'LEDGER_TABLE',
  /** The training state machine that a sealed subject starts. */
  trainingStateMachineArn: 'STATE_MACHINE_ARN',
  minPhotos: 'MIN_PHOTOS',
  maxPhotos: 'MAX_PHOTOS',
  minSidePx: 'MIN_SIDE_PX',
  maxFileBytes: 'MAX_FILE_BYTES',
  maxPixels: 'MAX_PIXELS',
  settlePeriodSeconds: 'SETTLE_PERIOD_SECONDS',
  quietPeriodSeconds: 'QUIET_PERIOD_SECONDS',
  incompleteTimeoutSeconds: 'INCOMPLETE_TIMEOUT_SECONDS',
  trainingResolution: 'TRAINING_RESOLUTION',
  trainingPrefix: 'TRAINING_PREFIX',
  baseModel: 'BASE_MODEL',
  /** Capacity queue and callback tokens of the trainings in flight. */
  trainingStateTable: 'TRAINING_STATE_TABLE',
  trainingConcurrency: 'TRAINING_CONCURRENCY',
  /** The asynchronous inference endpoint that trains. */
  trainingEndpoint: 'TRAINING_ENDPOINT',
  trainingInvocationTimeoutSeconds: 'TRAINING_INVOCATION_TIMEOUT_SECONDS',
  tokenTtlSeconds: 'TOKEN_TTL_SECONDS',
  modelsPrefix: 'MODELS_PREFIX',
  /** The GPU multi-model endpoint that serves every subject's model. */
  servingEndpoint: 'SERVING_ENDPOINT',
  modelRegistryTable: 'MODEL_REGISTRY_TABLE',
  maxImagesPerRequest: 'MAX_IMAGES_PER_REQUEST',
  denyListExtra: 'DENY_LIST_EXTRA',
  toxicityThresholds: 'TOXICITY_THRESHOLDS',
  nonEnglishPolicy: 'NON_ENGLISH_POLICY',
  maxPromptBytes: 'MAX_PROMPT_BYTES',
  maxRegenerations: 'MAX_REGENERATIONS',
  blockedCategories: 'BLOCKED_CATEGORIES',
  moderationMinConfidence: 'MODERATION_MIN_CONFIDENCE',
  linkExpirySeconds: 'LINK_EXPIRY_SECONDS',
  /** The HTTP API's clients and their hashed keys (functions/api/credentials.ts). */
  apiClientsTable: 'API_CLIENTS_TABLE',
  /** The HTTP API's subjects, generations and GPU quota counters (functions/api/api-store.ts). */
  apiTable: 'API_TABLE',
  /** Powertools idempotency records of POST /v1/subjects/{id}/generations. */
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  /** The generation state machine the HTTP API starts. */
  generationStateMachineArn: 'GENERATION_STATE_MACHINE_ARN',
  /** GPU images a tenant may order per UTC day through the HTTP API. */
  gpuImagesPerDay: 'GPU_IMAGES_PER_DAY',
  /** How long a presigned upload of POST /v1/subjects works. */
  uploadExpirySeconds: 'UPLOAD_EXPIRY_SECONDS',
  /** The day's outcomes, one row per pipeline event (operations capability: dashboard counts, daily summary). */
  operationsTable: 'OPERATIONS_TABLE',
  /** The operators' topic (the notification topic): alarms and the daily summary, never a link or a prompt. */
  operatorTopicArn: 'OPERATOR_TOPIC_ARN',
  /** The CloudWatch dashboard the daily summary points operators to. */
  operationsDashboard: 'OPERATIONS_DASHBOARD',
  /** Webhook endpoints, secrets and delivery attempts, per tenant (webhooks capability). */
  webhooksTable: 'WEBHOOKS_TABLE',
  /** Ports other than 443 a webhook URL may name, comma-separated (context `webhookAllowedPorts`). */
  webhookAllowedPorts: 'WEBHOOK_ALLOWED_PORTS',
  /** `true` only locally: loopback receivers (also over http) are allowed, and logged as such. */
  webhookLoopbackReceivers: 'WEBHOOK_LOOPBACK_RECEIVERS',
  /** How long a rotated-out webhook secret still signs, in seconds (context `webhookSecretOverlapSeconds`). */
  webhookSecretOverlapSeconds: 'WEBHOOK_SECRET_OVERLAP_SECONDS',
  /** Partner account -> tenant, as JSON (context `partnerAccounts`). */
  partnerAccounts: 'PARTNER_ACCOUNTS',
  /** The account the stack is deployed in: events its own principals put are the default tenant's. */
  ownAccount: 'OWN_ACCOUNT',
  /** Days the bucket keeps dropped photos (`photoRetentionDays`): the ledger's PHOTO# and IGNORED# rows expire a day later. */
  photoRetentionDays: 'PHOTO_RETENTION_DAYS',
  /** The training endpoint's SuccessTopic and ErrorTopic: a notification must come from the one its status names. */
  trainingSuccessTopicArn: 'TRAINING_SUCCESS_TOPIC_ARN',
  /** The erasure state machine that `DELETE /v1/subjects/{id}` starts. */
  erasureStateMachineArn: 'ERASURE_STATE_MACHINE_ARN',
  trainingErrorTopicArn: 'TRAINING_ERROR_TOPIC_ARN',
} as const;

export type EnvironmentVariableName = (typeof EnvironmentVariables)[keyof typeof EnvironmentVariables];
