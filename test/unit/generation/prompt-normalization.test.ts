import {
  cleanPrompt,
  containsPhrase,
  normalizePrompt,
} from '../../../functions/generation/prompt-normalization.js';

describe('normalizePrompt', () => {
  it.each([
    ['case and full-width letters', 'A ＮＡＫＥＤ Photo', 'a naked photo'],
    ['Cyrillic look-alikes', 'a n\u0430k\u0435d photo', 'a naked photo'],
    ['Greek look-alikes', 'a NΑΚΕD photo', 'a naked photo'],
    ['leetspeak digits and symbols', 'a n4k3d ph0t0 w1th $7@rs', 'a naked photo with stars'],
    ['zero-width and soft hyphens', 'a na\u200Bk\u200Ded\u00AD photo\uFEFF', 'a naked photo'],
    ['accents and collapsed whitespace', '  a   nàkéd\t\nphoto ', 'a naked photo'],
  ])('folds %s', (_case, text, expected) => {
    expect(normalizePrompt(text)).toBe(expected);
  });

  it('keeps letters as written in the text sent to the classifiers', () => {
    expect(cleanPrompt(' a\u200B 1990s  photo ')).toBe('a 1990s photo');
  });
});

describe('containsPhrase', () => {
  it('matches whole words and phrases only', () => {
    expect(containsPhrase('a sex scene', 'sex')).toBe(true);
    expect(containsPhrase('sussex countryside', 'sex')).toBe(false);
    expect(containsPhrase('white - power rally', 'white power')).toBe(true);
    expect(containsPhrase('white tower', 'white power')).toBe(false);
  });

  it('makes a disguised deny-listed word match', () => {
    expect(containsPhrase(normalizePrompt('zwx woman, T0Р\u200BLЕ$$'), 'topless')).toBe(true);
  });
});
