import type { z } from 'zod';
import { DEFAULT_TENANT_ID, type SubjectRef } from '../../events/identifiers.js';
import {
  AvatarGenerationRequested,
  EVENT_SOURCE,
  ModelReady,
  type RequestRejected,
} from '../../events/pipeline-events.js';
import { DRY_RUN, LIVE, modeField, type RunMode, runModeOf } from '../../events/run-mode.js';
import { parseSubjectSettingsJson, SubjectSettings } from '../../events/subject-settings.js';
import type {
  GenerationExecutionInput,
  GenerationRequest,
  PrepareGenerationOutput,
} from '../../state-machines/generation/contract.js';
import { type Environment, getNumberFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { partnerTenantOf } from '../platform/partner-tenants.js';
import { PIPELINE_DEFAULTS } from '../platform/pipeline-defaults.js';
import { MalformedModelReadyError, UnknownStyleError } from './errors.js';
import { type AvatarStyle, DEFAULT_IMAGES_PER_PROMPT, planPrompts } from './prompts.js';

export const MODEL_READY = 'Model Ready';
export const AVATAR_GENERATION_REQUESTED = 'Avatar Generation Requested';

/** A model as the registry records it: where it is served, and the settings it was trained with. */
export interface ModelRecord {
  modelVersion: string;
  targetModel: string;
  /** subject.json as trained (token, class word, prompts...); absent for models registered before it was kept. */
  trainedWith?: unknown;
}

/** Port: the subject's registered models (ModelRegistry on DynamoDB). */
export interface CurrentModels {
  current(ref: SubjectRef): Promise<ModelRecord | undefined>;
  /** One registered version of the subject; undefined if the subject has no such version. */
  version(ref: SubjectRef, modelVersion: string): Promise<ModelRecord | undefined>;
}

/**
 * Port: the subject's recorded `subject.json` (SubjectLedger on DynamoDB), read only for a model registered
 * before the registry kept the settings it was trained with.
 */
export interface SubjectSettingsSource {
  getSubject(ref: SubjectRef): Promise<{ settingsJson?: string | null } | undefined>;
}

export interface PreparationPolicy {
  /** Prompts x images per prompt above this is refused: GPU time is the only large cost. */
  maxImagesPerRequest: number;
}

export const DEFAULT_PREPARATION_POLICY: Readonly<PreparationPolicy> = Object.freeze({
  maxImagesPerRequest: PIPELINE_DEFAULTS.maxImagesPerRequest,
});

/** MAX_IMAGES_PER_REQUEST (default 24). */
export function readPreparationPolicyFromEnvironment(env: Environment = process.env): PreparationPolicy {
  const maxImagesPerRequest = getNumberFromEnv(Env.maxImagesPerRequest, {
    defaultValue: DEFAULT_PREPARATION_POLICY.maxImagesPerRequest,
    integer: true,
    min: 1,
    env,
  });
  return { maxImagesPerRequest };
}

export interface PrepareGenerationDeps {
  models: CurrentModels;
  /**
   * Who put a request on the bus decides its tenant (`partnerTenantOf`): this account's principals act for the
   * default tenant, each partner account (context `partnerAccounts`) for its own. A partner never names a tenant.
   * @default - every request is this account's (the default tenant's)
   */
  partners?: { ownAccount: string; partnerAccounts: Readonly<Record<string, string>> };
  subjects: SubjectSettingsSource;
  policy: PreparationPolicy;
  stylePack?: readonly AvatarStyle[];
}

type Problem = { path: string; message: string };

/**
 * PrepareGeneration: turns the event that started the workflow into a request and planned prompts.
 * `Model Ready` (from the pipeline) generates the subject's own prompts or styles with the new model;
 * `Avatar Generation Requested` (a partner's) uses the subject's CURRENT model, with the partner's prompts,
 * styles and image count replacing the subject's. Either way the model is the registry's, never the event's word
 * (anyone who may put events on the bus can write `source: avatar-pipeline`), and prompts name the subject with
 * the token and class word the model was trained with, as the registry recorded them. A bad request is answered
 * with `valid: false` and a RequestRejected naming every problem; it never throws.
 * @throws MalformedModelReadyError when the pipeline's own Model Ready detail is malformed
 */
export async function prepareGeneration(
  input: GenerationExecutionInput,
  deps: PrepareGenerationDeps,
): Promise<PrepareGenerationOutput> {
  const detailType = input['detail-type'];
  if (detailType === MODEL_READY && input.source === EVENT_SOURCE) {
    return prepareForModelReady(input, deps);
  }
  // The HTTP API starts executions itself, with the tenant its authorizer found; a bus event's account decides.
  const tenantId =
    input.apiRequest?.tenantId ??
    (deps.partners
      ? partnerTenantOf(input, deps.partners.ownAccount, deps.partners.partnerAccounts)
      : DEFAULT_TENANT_ID);
  if (tenantId === undefined) {
    // Admitted by the bus policy (an account of the partner organization) but acting for no tenant.
    return rejected(
      modeAskedIn(input.detail),
      DEFAULT_TENANT_ID,
      subjectIdOf(input.detail),
      correlationIdOf(input.detail),
      [
        {
          path: 'account',
          message: `account ${String(input.account)} is not mapped to a tenant (context partnerAccounts)`,
        },
      ],
      'Ask the operator of the pipeline to map your account to your tenant (context partnerAccounts), then send the request again.',
    );
  }
  if (detailType === AVATAR_GENERATION_REQUESTED) {
    return prepareForPartner(input, tenantId, deps);
  }
  return rejected(
    modeAskedIn(input.detail),
    tenantId,
    subjectIdOf(input.detail),
    correlationIdOf(input.detail),
    [
      {
        path: 'detail-type',
        message: `"${detailType}" from "${input.source}" does not start a generation; send "${AVATAR_GENERATION_REQUESTED}"`,
      },
    ],
  );
}

async function prepareForModelReady(
  input: GenerationExecutionInput,
  deps: PrepareGenerationDeps,
): Promise<PrepareGenerationOutput> {
  const parsed = ModelReady.safeParse(input.detail);
  if (!parsed.success) {
    throw new MalformedModelReadyError(
      `Model Ready event ${input.id} does not match its schema: ${formatIssues(parsed.error, 'detail')
        .map((p) => `${p.path}: ${p.message}`)
        .join('; ')}`,
    );
  }
  const detail = parsed.data;
  // The event only names the model: which one it is, and where it is served, is the registry's to say.
  const registered = await deps.models.version(detail, detail.modelVersion);
  if (!registered) {
    return rejected(
      detail.mode,
      detail.tenantId,
      detail.subjectId,
      undefined,
      [
        {
          path: 'detail.modelVersion',
          message: `no model ${detail.modelVersion} is registered for subject ${detail.tenantId}/${detail.subjectId}`,
        },
      ],
      MODEL_MISMATCH_ADVICE,
    );
  }
  if (registered.targetModel !== detail.targetModel) {
    return rejected(
      detail.mode,
      detail.tenantId,
      detail.subjectId,
      undefined,
      [
        {
          path: 'detail.targetModel',
          message: `"${detail.targetModel}" is not the TargetModel registered for ${detail.tenantId}/${detail.subjectId} ${detail.modelVersion} ("${registered.targetModel}")`,
        },
      ],
      MODEL_MISMATCH_ADVICE,
    );
  }
  const request: GenerationRequest = {
    requestId: input.id,
    tenantId: detail.tenantId,
    subjectId: detail.subjectId,
    modelVersion: registered.modelVersion,
    targetModel: registered.targetModel,
    requestedBy: 'model-ready',
  };
  return plan(request, undefined, {}, deps, registered);
}

const MODEL_MISMATCH_ADVICE =
  'Nothing was generated. A Model Ready event must name a model the pipeline registered for that subject, with ' +
  'its TargetModel; this one does not (it was not published by the training workflow). Check who puts events ' +
  'with source avatar-pipeline on the bus.';

async function prepareForPartner(
  input: GenerationExecutionInput,
  tenantId: string,
  deps: PrepareGenerationDeps,
): Promise<PrepareGenerationOutput> {
  const parsed = AvatarGenerationRequested.safeParse(input.detail);
  if (!parsed.success) {
    return rejected(
      modeAskedIn(input.detail),
      tenantId,
      subjectIdOf(input.detail),
      correlationIdOf(input.detail),
      formatIssues(parsed.error, 'detail'),
    );
  }
  const detail = parsed.data;
  const model = await deps.models.current({ tenantId, subjectId: detail.subjectId });
  if (!model) {
    return rejected(
      modeAskedIn(input.detail),
      tenantId,
      detail.subjectId,
      detail.correlationId,
      [{ path: 'detail.subjectId', message: `no trained model for ${detail.subjectId}` }],
      `Subject "${detail.subjectId}" has no trained model yet: drop its photos under subjects/${detail.subjectId}/ and wait for its Model Ready event before asking for avatars.`,
    );
  }
  const request: GenerationRequest = {
    requestId: input.id,
    tenantId,
    subjectId: detail.subjectId,
    modelVersion: model.modelVersion,
    targetModel: model.targetModel,
    requestedBy: 'partner',
    ...(detail.correlationId ? { correlationId: detail.correlationId } : {}),
    ...(detail.mode ? { mode: detail.mode } : {}),
  };
  const overrides = {
    ...(detail.prompts || detail.styles ? { prompts: detail.prompts, styles: detail.styles } : {}),
    ...(detail.imagesPerPrompt ? { imagesPerPrompt: detail.imagesPerPrompt } : {}),
  };
  return plan(request, detail.correlationId, overrides, deps, model);
}

async function plan(
  request: GenerationRequest,
  correlationId: string | undefined,
  overrides: { prompts?: string[]; styles?: string[]; imagesPerPrompt?: number },
  deps: PrepareGenerationDeps,
  model: ModelRecord,
): Promise<PrepareGenerationOutput> {
  // The settings the model was trained with; the ledger's current ones only for a model registered before.
  const settings =
    model.trainedWith === undefined
      ? await subjectSettings(request, deps.subjects)
      : trainedSettings(model.trainedWith);
  if (!settings.success)
    return rejected(
      runModeOf(request.mode),
      request.tenantId,
      request.subjectId,
      correlationId,
      settings.problems,
    );
  // A model trained in a dry run has no weights a GPU could serve: whatever is asked, it is served so.
  if (request.mode === DRY_RUN || settings.value.mode === DRY_RUN) request = { ...request, mode: DRY_RUN };
  const merged = { ...settings.value, ...overrides };
  const imagesPerPrompt = merged.imagesPerPrompt ?? DEFAULT_IMAGES_PER_PROMPT;
  let prompts: ReturnType<typeof planPrompts>;
  try {
    prompts = planPrompts({ ...merged, imagesPerPrompt }, request.requestId, deps.stylePack);
  } catch (error) {
    if (!(error instanceof UnknownStyleError)) throw error;
    return rejected(
      runModeOf(request.mode),
      request.tenantId,
      request.subjectId,
      correlationId,
      error.unknownStyles.map((style) => ({
        path: overrides.styles ? 'detail.styles' : 'subject.json.styles',
        message: `unknown style "${style}"; valid styles are ${error.validStyles.join(', ')}`,
      })),
      `Use only the styles listed (${error.validStyles.join(', ')}), or send your own prompts.`,
    );
  }
  const images = prompts.length * imagesPerPrompt;
  if (images > deps.policy.maxImagesPerRequest) {
    return rejected(
      runModeOf(request.mode),
      request.tenantId,
      request.subjectId,
      correlationId,
      [
        {
          path: overrides.imagesPerPrompt ? 'detail.imagesPerPrompt' : 'imagesPerPrompt',
          message: `${prompts.length} prompt(s) x ${imagesPerPrompt} image(s) = ${images} images, over the limit of ${deps.policy.maxImagesPerRequest} per request`,
        },
      ],
      `Ask for at most ${deps.policy.maxImagesPerRequest} images per request: fewer prompts or styles, or a smaller imagesPerPrompt (split a large order into several requests).`,
    );
  }
  const failureBase = {
    version: 1 as const,
    tenantId: request.tenantId,
    ...modeField(request.mode),
    subjectId: request.subjectId,
    modelVersion: request.modelVersion,
    ...(request.correlationId ? { correlationId: request.correlationId } : {}),
  };
  return { valid: true, request, prompts, failureBase };
}

type SettingsResult = { success: true; value: SubjectSettings } | { success: false; problems: Problem[] };

/** Checked again on the way out of the registry: what it holds was valid subject.json when it was trained. */
function trainedSettings(trainedWith: unknown): SettingsResult {
  const parsed = SubjectSettings.safeParse(trainedWith);
  return parsed.success
    ? { success: true, value: parsed.data }
    : { success: false, problems: formatIssues(parsed.error, 'model.trainedWith') };
}

async function subjectSettings(ref: SubjectRef, subjects: SubjectSettingsSource): Promise<SettingsResult> {
  const record = await subjects.getSubject(ref);
  const json = record?.settingsJson;
  if (!json) return { success: true, value: SubjectSettings.parse({}) };
  const parsed = parseSubjectSettingsJson(json);
  if (parsed.success) return { success: true, value: parsed.settings };
  const { kind, problems } = parsed.error;
  return {
    success: false,
    problems:
      kind === 'not-json'
        ? [{ path: 'subject.json', message: `is not JSON: ${problems[0]?.message}` }]
        : problems.map((p) => ({
            path: ['subject.json', p.path].filter(Boolean).join('.'),
            message: p.message,
          })),
  };
}

function rejected(
  mode: RunMode | undefined,
  tenantId: string,
  subjectId: string,
  correlationId: string | undefined,
  errors: Problem[],
  advice = 'Fix the fields listed in errors and send the request again; the schema is published under events/ (Avatar Generation Requested).',
): PrepareGenerationOutput {
  const rejection: RequestRejected = {
    version: 1,
    tenantId,
    ...modeField(mode),
    subjectId,
    ...(correlationId ? { correlationId } : {}),
    errors,
    advice,
  };
  return { valid: false, rejected: rejection };
}

/** Every schema problem, each with the dotted path of its field ("detail.prompts.2"). */
function formatIssues(error: z.ZodError, root: string): Problem[] {
  return error.issues.map((issue) => ({
    path: [root, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/** What a request asked for, read even when it is invalid: a dry run's rejection says dry-run too. */
function modeAskedIn(detail: unknown): RunMode {
  return (detail as { mode?: unknown } | null)?.mode === DRY_RUN ? DRY_RUN : LIVE;
}

function subjectIdOf(detail: unknown): string {
  const value = (detail as { subjectId?: unknown } | null)?.subjectId;
  return typeof value === 'string' ? value.slice(0, 128) : '';
}

function correlationIdOf(detail: unknown): string | undefined {
  const value = (detail as { correlationId?: unknown } | null)?.correlationId;
  return typeof value === 'string' && value.length > 0 && value.length <= 128 ? value : undefined;
}
