import type {
  LanguageDetection,
  LanguageDetector,
  ToxicityClassifier,
  ToxicityScores,
} from '../../../functions/generation/prompt-screening.js';
import type { ModelEndpoint } from '../../../functions/serving/model-endpoint.js';
import type { GenerationRequest, PlannedPrompt } from '../../../state-machines/generation/contract.js';

export const REQUEST: GenerationRequest = {
  requestId: '6a7e1f3c-0b1d-4e2a-9c55-0d9e1c2b3a40',
  tenantId: 'default',
  subjectId: 'ana',
  modelVersion: 'v-0123456789ab',
  targetModel: 'default/ana/v-0123456789ab.tar.gz',
  correlationId: 'order-42',
  requestedBy: 'partner',
};

export function planned(prompt: string, index: number, seeds = [11, 22]): PlannedPrompt {
  return {
    promptId: `p${String(index + 1).padStart(2, '0')}`,
    prompt,
    negativePrompt: 'blurry',
    seeds,
  };
}

/** Detects by a table (text -> detection); English with 0.99 otherwise. */
export class TableLanguageDetector implements LanguageDetector {
  readonly performedBy = 'amazon-comprehend' as const;
  readonly calls: string[] = [];
  constructor(private readonly table: Record<string, LanguageDetection> = {}) {}
  async detectDominantLanguage(text: string): Promise<LanguageDetection> {
    this.calls.push(text);
    return this.table[text] ?? { languageCode: 'en', score: 0.99 };
  }
}

/** Scores by a table (text -> scores); clean otherwise. Records every batch. */
export class TableToxicityClassifier implements ToxicityClassifier {
  readonly performedBy = 'amazon-comprehend' as const;
  readonly batches: string[][] = [];
  constructor(private readonly table: Record<string, ToxicityScores> = {}) {}
  async classify(texts: string[]): Promise<ToxicityScores[]> {
    this.batches.push(texts);
    return texts.map((text) => this.table[text] ?? { toxicity: 0.01, labels: {} });
  }
}

/** A tiny valid PNG (1 x 1, grey), as the endpoint would return. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABc3UBGAAAAABJRU5ErkJggg==',
  'base64',
);

export function imageResponse(png: Uint8Array = PNG_1X1): string {
  return JSON.stringify({
    model_name: REQUEST.targetModel,
    outputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [Buffer.from(png).toString('base64')] }],
  });
}

/** An endpoint that answers from a script (an Error is thrown), then repeats the last answer; records seeds. */
export class ScriptedEndpoint implements ModelEndpoint {
  readonly performedBy = 'amazon-sagemaker' as const;
  readonly seeds: number[] = [];
  readonly calls: { targetModel: string; body: string }[] = [];
  constructor(private readonly script: (string | Error)[] = [imageResponse()]) {}
  async invoke(targetModel: string, body: string): Promise<string> {
    this.calls.push({ targetModel, body });
    const request = JSON.parse(body) as { inputs: { name: string; data: unknown[] }[] };
    this.seeds.push(Number(request.inputs.find((i) => i.name === 'seed')?.data[0]));
    const answer = this.script.length > 1 ? this.script.shift() : this.script[0];
    if (answer instanceof Error) throw answer;
    return answer ?? '';
  }
}
