import { PromptRejected } from '../../../events/pipeline-events.js';
import {
  DEFAULT_PROMPT_SCREENING_POLICY,
  type PromptScreeningPolicy,
  readPromptScreeningPolicyFromEnvironment,
  type ScreenPromptsDeps,
  screenPrompts,
} from '../../../functions/generation/prompt-screening.js';
import { MissingConfigurationError } from '../../../functions/platform/environment.js';
import {
  StopWordLanguageDetector,
  UnscreenedToxicityClassifier,
} from '../../../local/stand-ins/prompt-screening.js';
import { planned, REQUEST, TableLanguageDetector, TableToxicityClassifier } from './fakes.js';

function deps(overrides: Partial<ScreenPromptsDeps> & { policy?: Partial<PromptScreeningPolicy> } = {}) {
  const logs: string[] = [];
  const built: ScreenPromptsDeps = {
    language: overrides.language ?? new TableLanguageDetector(),
    toxicity: overrides.toxicity ?? new TableToxicityClassifier(),
    policy: { ...DEFAULT_PROMPT_SCREENING_POLICY, ...overrides.policy },
    log: (message) => logs.push(message),
  };
  return { built, logs };
}

describe('screenPrompts', () => {
  it('accepts clean English prompts and makes one job per seed', async () => {
    // Prepare
    const prompts = [
      planned('zwx woman as an astronaut', 0, [5, 6, 7]),
      planned('zwx woman in a garden', 1, [8]),
    ];
    // Act
    const out = await screenPrompts({ request: REQUEST, prompts }, deps().built);
    // Assess
    expect(out.accepted).toEqual(prompts);
    expect(out.rejected).toEqual([]);
    expect(out.jobs).toEqual([
      {
        promptId: 'p01',
        prompt: 'zwx woman as an astronaut',
        negativePrompt: 'blurry',
        seed: 5,
        imageIndex: 0,
      },
      {
        promptId: 'p01',
        prompt: 'zwx woman as an astronaut',
        negativePrompt: 'blurry',
        seed: 6,
        imageIndex: 1,
      },
      {
        promptId: 'p01',
        prompt: 'zwx woman as an astronaut',
        negativePrompt: 'blurry',
        seed: 7,
        imageIndex: 2,
      },
      { promptId: 'p02', prompt: 'zwx woman in a garden', negativePrompt: 'blurry', seed: 8, imageIndex: 0 },
    ]);
  });

  it.each([
    ['empty', '\u200B \u200D', undefined],
    ['length', `zwx woman ${'é'.repeat(508)}`, undefined], // 10 + 508 x 2 = 1026 bytes
    ['deny-list', 'zwx woman, n\u0430k3d on a beach', 'naked'],
  ])('rejects by the %s rule with a valid Prompt Rejected detail', async (rule, text, label) => {
    const { built } = deps();
    const out = await screenPrompts({ request: REQUEST, prompts: [planned(text, 0)] }, built);
    expect(out.accepted).toEqual([]);
    expect(out.jobs).toEqual([]);
    const rejection = PromptRejected.parse(out.rejected[0]);
    expect(rejection).toMatchObject({
      version: 1,
      subjectId: 'ana',
      modelVersion: 'v-0123456789ab',
      correlationId: 'order-42',
      promptId: 'p01',
      rule,
    });
    expect(rejection.label).toBe(label);
    expect(rejection.reason.length).toBeGreaterThan(10);
    expect(rejection.advice.length).toBeGreaterThan(10);
    // Nothing rejected locally is sent to Comprehend.
    expect((built.language as TableLanguageDetector).calls).toEqual([]);
  });

  it('rejects 1025 bytes of multi-byte text and accepts 1024', async () => {
    const over = `${'é'.repeat(512)}a`; // 1025 bytes, 513 characters
    const exact = 'é'.repeat(512); // 1024 bytes
    expect(Buffer.byteLength(over)).toBe(1025);
    const out = await screenPrompts(
      { request: REQUEST, prompts: [planned(over, 0), planned(exact, 1)] },
      deps().built,
    );
    expect(out.rejected.map((r) => [r.promptId, r.rule])).toEqual([['p01', 'length']]);
    expect(out.rejected[0]?.reason).toMatch(/1025 bytes/);
    expect(out.accepted.map((p) => p.promptId)).toEqual(['p02']);
  });

  it('cuts the prompt in the event to 300 characters', async () => {
    const out = await screenPrompts(
      { request: REQUEST, prompts: [planned(`${'x'.repeat(400)} nude`, 0)] },
      deps().built,
    );
    expect(out.rejected[0]?.rule).toBe('deny-list');
    expect(out.rejected[0]?.prompt).toHaveLength(300);
  });

  it('applies the extra deny-list entries from the environment', async () => {
    const policy = readPromptScreeningPolicyFromEnvironment({ DENY_LIST_EXTRA: 'clown makeup, mime' });
    const out = await screenPrompts(
      {
        request: REQUEST,
        prompts: [planned('zwx woman with CL0WN  make-up', 0), planned('zwx with clown makeup', 1)],
      },
      deps({ policy }).built,
    );
    expect(out.rejected.map((r) => [r.promptId, r.label])).toEqual([['p02', 'clown makeup']]);
  });

  it('rejects a non-English prompt under the default policy', async () => {
    const language = new TableLanguageDetector({
      'zwx femme en chevalier': { languageCode: 'fr', score: 0.97 },
    });
    const out = await screenPrompts(
      { request: REQUEST, prompts: [planned('zwx femme en chevalier', 0)] },
      deps({ language }).built,
    );
    expect(PromptRejected.parse(out.rejected[0])).toMatchObject({
      rule: 'language',
      label: 'fr',
      score: 0.97,
    });
    expect(out.jobs).toEqual([]);
  });

  it('rejects English detected with a score under 0.8', async () => {
    const language = new TableLanguageDetector({ 'zwx neon': { languageCode: 'en', score: 0.6 } });
    const out = await screenPrompts(
      { request: REQUEST, prompts: [planned('zwx neon', 0)] },
      deps({ language }).built,
    );
    expect(out.rejected[0]).toMatchObject({ rule: 'language', label: 'en', score: 0.6 });
  });

  it('lets a non-English prompt through UNSCREENED under allow-unscreened, and says so', async () => {
    const language = new TableLanguageDetector({
      'zwx femme en chevalier': { languageCode: 'fr', score: 0.97 },
    });
    const toxicity = new TableToxicityClassifier();
    const { built, logs } = deps({
      language,
      toxicity,
      policy: readPromptScreeningPolicyFromEnvironment({ NON_ENGLISH_POLICY: 'allow-unscreened' }),
    });
    const out = await screenPrompts(
      { request: REQUEST, prompts: [planned('zwx femme en chevalier', 0)] },
      built,
    );
    expect(out.rejected).toEqual([]);
    expect(out.jobs).toHaveLength(2);
    expect(toxicity.batches).toEqual([]);
    expect(out.unscreened).toEqual([
      expect.objectContaining({
        promptId: 'p01',
        languageCode: 'fr',
        note: expect.stringMatching(/NOT screened/),
      }),
    ]);
    expect(logs.join('\n')).toMatch(/p01 was NOT screened for toxicity/);
  });

  it.each([
    ['PROFANITY', 0.5, 0.49],
    ['HATE_SPEECH', 0.4, 0.39],
    ['INSULT', 0.5, 0.49],
    ['GRAPHIC', 0.4, 0.39],
    ['HARASSMENT_OR_ABUSE', 0.4, 0.39],
    ['SEXUAL', 0.3, 0.29],
    ['VIOLENCE_OR_THREAT', 0.4, 0.39],
  ])('rejects at the %s threshold (%s) and accepts just below it', async (label, at, below) => {
    const toxicity = new TableToxicityClassifier({
      'prompt at': { toxicity: 0.1, labels: { [label]: at } },
      'prompt below': { toxicity: 0.1, labels: { [label]: below } },
    });
    const out = await screenPrompts(
      { request: REQUEST, prompts: [planned('prompt at', 0), planned('prompt below', 1)] },
      deps({ toxicity }).built,
    );
    expect(out.rejected).toHaveLength(1);
    expect(PromptRejected.parse(out.rejected[0])).toMatchObject({
      promptId: 'p01',
      rule: 'toxicity',
      label,
      score: at,
    });
    expect(out.accepted.map((p) => p.promptId)).toEqual(['p02']);
  });

  it('names the highest offending label, and the overall score when no label offends', async () => {
    const toxicity = new TableToxicityClassifier({
      'two labels': { toxicity: 0.3, labels: { INSULT: 0.55, SEXUAL: 0.9, PROFANITY: 0.2 } },
      'overall only': { toxicity: 0.7, labels: { INSULT: 0.2 } },
    });
    const out = await screenPrompts(
      { request: REQUEST, prompts: [planned('two labels', 0), planned('overall only', 1)] },
      deps({ toxicity }).built,
    );
    expect(out.rejected.map((r) => [r.label, r.score])).toEqual([
      ['SEXUAL', 0.9],
      ['TOXICITY', 0.7],
    ]);
  });

  it('a toxic prompt produces no job; the others still do', async () => {
    const toxicity = new TableToxicityClassifier({
      'toxic one': { toxicity: 0.95, labels: { INSULT: 0.9 } },
    });
    const out = await screenPrompts(
      {
        request: REQUEST,
        prompts: [planned('kind one', 0), planned('toxic one', 1), planned('calm one', 2)],
      },
      deps({ toxicity }).built,
    );
    expect(new Set(out.jobs.map((job) => job.promptId))).toEqual(new Set(['p01', 'p03']));
  });

  it('sends 12 prompts to DetectToxicContent in 2 calls of at most 10', async () => {
    const toxicity = new TableToxicityClassifier();
    const prompts = Array.from({ length: 12 }, (_, i) => planned(`zwx woman in scene ${i}`, i));
    await screenPrompts({ request: REQUEST, prompts }, deps({ toxicity }).built);
    expect(toxicity.batches.map((batch) => batch.length)).toEqual([10, 2]);
    expect(toxicity.batches.flat()).toEqual(prompts.map((p) => p.prompt));
  });

  it('with the local stand-ins: the deny-list still applies, French is rejected, toxicity says local-stand-in', async () => {
    const out = await screenPrompts(
      {
        request: REQUEST,
        prompts: [
          planned('zwx woman as an astronaut on the moon', 0),
          planned('a NUD3 photo of zwx woman', 1),
          planned('zwx woman en chevalier médiéval, peinture à l’huile, lumière dorée du soir', 2),
        ],
      },
      {
        language: new StopWordLanguageDetector(),
        toxicity: new UnscreenedToxicityClassifier(),
        policy: DEFAULT_PROMPT_SCREENING_POLICY,
        log: () => {},
      },
    );
    expect(out.accepted.map((p) => p.promptId)).toEqual(['p01']);
    expect(out.rejected.map((r) => [r.promptId, r.rule, r.screenedBy])).toEqual([
      ['p02', 'deny-list', 'avatar-pipeline'],
      ['p03', 'language', 'local-stand-in'],
    ]);
  });
});

describe('readPromptScreeningPolicyFromEnvironment', () => {
  it('reads the defaults from an empty environment', () => {
    const policy = readPromptScreeningPolicyFromEnvironment({ TOXICITY_THRESHOLDS: '' });
    expect(policy).toEqual(DEFAULT_PROMPT_SCREENING_POLICY);
  });

  it('overrides thresholds per label and overall', () => {
    const policy = readPromptScreeningPolicyFromEnvironment({
      TOXICITY_THRESHOLDS: '{"SEXUAL":0.1,"TOXICITY":0.9}',
      MAX_PROMPT_BYTES: '512',
    });
    expect(policy.toxicityThresholds.SEXUAL).toBe(0.1);
    expect(policy.toxicityThresholds.INSULT).toBe(0.5);
    expect(policy.overallToxicityThreshold).toBe(0.9);
    expect(policy.maxPromptBytes).toBe(512);
  });

  it.each([
    [{ NON_ENGLISH_POLICY: 'translate' }, /NON_ENGLISH_POLICY/],
    [{ TOXICITY_THRESHOLDS: '{"RUDE":0.2}' }, /unknown label "RUDE"/],
    [{ TOXICITY_THRESHOLDS: '{"SEXUAL":2}' }, /SEXUAL must be a number from 0 to 1/],
    [{ TOXICITY_THRESHOLDS: 'not json' }, /not JSON/],
    [{ MAX_PROMPT_BYTES: '0' }, /MAX_PROMPT_BYTES/],
  ])('refuses %p', (env, message) => {
    expect(() => readPromptScreeningPolicyFromEnvironment(env)).toThrow(MissingConfigurationError);
    expect(() => readPromptScreeningPolicyFromEnvironment(env)).toThrow(message);
  });
});
