import type {
  LanguageDetection,
  LanguageDetector,
  ToxicityClassifier,
  ToxicityScores,
} from '../../functions/task-registry.js';

export function promptScreeningStandInNote(): string {
  return 'Prompts were NOT screened for toxicity: local runs have no Amazon Comprehend (the deny-list, length and language rules still apply; language is guessed by a stand-in heuristic).';
}

/** Scripts that are not Latin, by the language a prompt in them most likely is. */
const SCRIPTS: [RegExp, string][] = [
  [/\p{Script=Cyrillic}/u, 'ru'],
  [/\p{Script=Greek}/u, 'el'],
  [/\p{Script=Han}/u, 'zh'],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'ja'],
  [/\p{Script=Hangul}/u, 'ko'],
  [/\p{Script=Arabic}/u, 'ar'],
  [/\p{Script=Hebrew}/u, 'he'],
  [/\p{Script=Devanagari}/u, 'hi'],
  [/\p{Script=Thai}/u, 'th'],
];

/** A few very common function words per language: enough to tell a prompt's language apart from English. */
const STOP_WORDS: Record<string, ReadonlySet<string>> = {
  en: new Set(
    'a an the of as in on at with and or to for from by is are wearing under over into his her their its this that'.split(
      ' ',
    ),
  ),
  fr: new Set("le la les un une des du de en et à au aux avec dans sur pour par l' d' est sous".split(' ')),
  de: new Set('der die das ein eine einen und mit im in auf für von zu ist als dem den des'.split(' ')),
  es: new Set('el la los las un una unos y con en de del al para por es como sobre'.split(' ')),
  it: new Set('il lo la gli le un una e con in di del della al per è come sul'.split(' ')),
  pt: new Set('o a os as um uma e com em de do da no na para por é como'.split(' ')),
  nl: new Set('de het een en met in op van voor is als bij'.split(' ')),
};

/**
 * Stand-in for Comprehend DetectDominantLanguage, a documented heuristic, not a model:
 * 1. More than 30% of the letters outside the Latin script: the language of the most frequent script (Cyrillic
 *    "ru", Han "zh", ...), score = that share.
 * 2. Otherwise the words are matched against short stop-word lists (en, fr, de, es, it, pt, nl; "l'" and "d'"
 *    count as French words). A language with more stop words than English wins, score 0.5 + 0.5 x its share
 *    of the stop words found; else English, score 0.95 with an English stop word, 0.8 with none at all (a short
 *    keyword prompt such as "zwx woman, cyberpunk, neon" then just passes the default 0.8 threshold).
 * No letters at all: "und", score 0.
 */
export class StopWordLanguageDetector implements LanguageDetector {
  readonly performedBy = 'local-stand-in' as const;

  async detectDominantLanguage(text: string): Promise<LanguageDetection> {
    const letters = Array.from(text).filter((char) => /\p{L}/u.test(char));
    if (letters.length === 0) return { languageCode: 'und', score: 0 };
    const nonLatin = letters.filter((char) => !/\p{Script=Latin}/u.test(char));
    if (nonLatin.length / letters.length > 0.3) {
      const counts = SCRIPTS.map(
        ([pattern, code]) => [code, nonLatin.filter((char) => pattern.test(char)).length] as const,
      ).sort((a, b) => b[1] - a[1]);
      const [code, count] = counts[0] ?? ['und', 0];
      return { languageCode: count > 0 ? code : 'und', score: round(nonLatin.length / letters.length) };
    }
    const words = text
      .toLowerCase()
      .replace(/[’`]/g, "'")
      .replace(/\b([ld]')/g, '$1 ')
      .split(/[^\p{L}']+/u)
      .filter(Boolean);
    const hits = Object.fromEntries(
      Object.entries(STOP_WORDS).map(([code, list]) => [code, words.filter((word) => list.has(word)).length]),
    ) as Record<string, number>;
    const english = hits.en ?? 0;
    const [other, otherHits] = Object.entries(hits)
      .filter(([code]) => code !== 'en')
      .sort((a, b) => b[1] - a[1])[0] ?? ['und', 0];
    if (otherHits > english) {
      return { languageCode: other, score: round(0.5 + (0.5 * otherHits) / (otherHits + english)) };
    }
    return { languageCode: 'en', score: english > 0 ? 0.95 : 0.8 };
  }
}

/**
 * Stand-in for Comprehend DetectToxicContent: classifies nothing (every score 0). The deny-list still applies
 * for real, since it runs in the domain; `performedBy` says that toxicity was not screened.
 */
export class UnscreenedToxicityClassifier implements ToxicityClassifier {
  readonly performedBy = 'local-stand-in' as const;
  readonly note = promptScreeningStandInNote();
  readonly calls: string[][] = [];

  async classify(texts: string[]): Promise<ToxicityScores[]> {
    this.calls.push([...texts]);
    return texts.map(() => ({ toxicity: 0, labels: {} }));
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
