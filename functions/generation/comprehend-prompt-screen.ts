import {
  type ComprehendClient,
  DetectDominantLanguageCommand,
  DetectToxicContentCommand,
} from '@aws-sdk/client-comprehend';
import { TooManySegmentsError } from './errors.js';
import type {
  LanguageDetection,
  LanguageDetector,
  ToxicityClassifier,
  ToxicityScores,
} from './prompt-screening.js';
import { TOXICITY_SEGMENTS_PER_CALL } from './prompt-screening.js';
import { classifyScreeningError } from './screening-errors.js';

/** LanguageDetector on Amazon Comprehend DetectDominantLanguage. */
export class ComprehendLanguageDetector implements LanguageDetector {
  readonly performedBy = 'amazon-comprehend' as const;

  constructor(private readonly comprehend: ComprehendClient) {}

  async detectDominantLanguage(text: string): Promise<LanguageDetection> {
    try {
      const out = await this.comprehend.send(new DetectDominantLanguageCommand({ Text: text }));
      const best = [...(out.Languages ?? [])].sort((a, b) => (b.Score ?? 0) - (a.Score ?? 0))[0];
      return { languageCode: best?.LanguageCode ?? 'und', score: best?.Score ?? 0 };
    } catch (error) {
      throw classifyScreeningError(error, 'Amazon Comprehend', 'DetectDominantLanguage');
    }
  }
}

/** ToxicityClassifier on Amazon Comprehend DetectToxicContent (English, at most 10 segments per call). */
export class ComprehendToxicityClassifier implements ToxicityClassifier {
  readonly performedBy = 'amazon-comprehend' as const;

  constructor(private readonly comprehend: ComprehendClient) {}

  async classify(texts: string[]): Promise<ToxicityScores[]> {
    if (texts.length === 0) return [];
    if (texts.length > TOXICITY_SEGMENTS_PER_CALL) {
      throw new TooManySegmentsError(
        `DetectToxicContent takes at most ${TOXICITY_SEGMENTS_PER_CALL} segments per call, got ${texts.length}`,
      );
    }
    try {
      const out = await this.comprehend.send(
        new DetectToxicContentCommand({
          LanguageCode: 'en',
          TextSegments: texts.map((Text) => ({ Text })),
        }),
      );
      return texts.map((_, index) => {
        const result = out.ResultList?.[index];
        return {
          toxicity: result?.Toxicity ?? 0,
          labels: Object.fromEntries(
            (result?.Labels ?? []).map((label) => [label.Name ?? '', label.Score ?? 0]),
          ),
        };
      });
    } catch (error) {
      throw classifyScreeningError(error, 'Amazon Comprehend', 'DetectToxicContent');
    }
  }
}
