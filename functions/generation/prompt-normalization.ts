/**
 * Prompt normalization for the deny-list: the same word written with look-alike letters, digits, zero-width
 * characters, odd spacing or capitals normalizes to the same ASCII text, so "Ｎ4ｋ3d", "nаked" (Cyrillic а) and
 * "n\u200Baked" all match the entry "naked".
 */

/**
 * Zero-width and invisible characters: Unicode's Default_Ignorable_Code_Point (ZWSP, ZWNJ, ZWJ, word joiner,
 * BOM, soft hyphen, bidi marks, variation selectors, Hangul fillers...).
 */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * Look-alikes folded to ASCII: Cyrillic and Greek letters that render like Latin ones (after lower-casing),
 * and the digits and symbols of leetspeak. A small explicit map, not Unicode's full confusables table.
 */
export const CONFUSABLES: Readonly<Record<string, string>> = Object.freeze({
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  һ: 'h',
  ӏ: 'l',
  // Greek
  α: 'a',
  β: 'b',
  γ: 'y',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  ς: 's',
  // Leetspeak
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
});

/**
 * For deny-list matching only: NFKC (full-width and stylised letters become plain ones), lower case,
 * invisible characters removed, look-alikes folded to ASCII, combining marks dropped, whitespace collapsed.
 */
export function normalizePrompt(text: string): string {
  const folded = Array.from(text.normalize('NFKC').replace(INVISIBLE, '').toLowerCase())
    .map((char) => CONFUSABLES[char] ?? char)
    .join('');
  return folded
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .normalize('NFC')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * The text sent to the classifiers: NFKC, invisible characters removed, whitespace collapsed. Letters are
 * kept as written (folding "1990" to "iqqo" would only confuse language detection).
 */
export function cleanPrompt(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim();
}

/**
 * Whether a normalized deny-list entry occurs in normalized text as a whole word or phrase: "sex" matches
 * "sex scene" but not "sussex"; spacing and punctuation between the words of a phrase do not matter.
 */
export function containsPhrase(normalizedText: string, entry: string): boolean {
  const words = normalizePrompt(entry)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  if (words.length === 0) return false;
  const pattern = new RegExp(
    `(?<![\\p{L}\\p{N}])${words.map(escapeRegExp).join('[^\\p{L}\\p{N}]+')}(?![\\p{L}\\p{N}])`,
    'u',
  );
  return pattern.test(normalizedText);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
