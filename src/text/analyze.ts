/**
 * Text analysis shared by the lexical models: Unicode normalisation, case and accent folding,
 * word tokens for alphabetic scripts, and single characters plus bigrams for Han, Hiragana,
 * Katakana and Hangul runs (the scripts written without spaces), so that any shop's text yields
 * terms without a dictionary.
 */

/** English function words that carry no product meaning. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  'a an and are as at be by for from has have in is it its of on or that the this to was were will with'.split(' '),
);

const WORD = /[\p{L}\p{N}]+/gu;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** NFKC, lower case, accents removed (é → e): the form every term is compared in. */
export function foldText(text: string): string {
  return text.normalize('NFKC').toLowerCase().normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC');
}

/**
 * The terms of a text in reading order. Alphabetic words of one letter and stop words are
 * dropped; digits are kept ("3" in "3 pack" matters). A run of CJK characters gives each
 * character and each adjacent pair.
 */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const match of foldText(text).matchAll(WORD)) {
    const word = match[0];
    if (!CJK.test(word)) {
      if ((word.length > 1 || /\p{N}/u.test(word)) && !STOP_WORDS.has(word)) terms.push(word);
      continue;
    }
    // Mixed runs ("iphone手机") split into script segments.
    for (const segment of word.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu) ?? []) {
      if (!CJK.test(segment)) {
        if (segment.length > 1 && !STOP_WORDS.has(segment)) terms.push(segment);
        continue;
      }
      const chars = [...segment];
      for (let i = 0; i < chars.length; i++) {
        terms.push(chars[i] as string);
        if (i + 1 < chars.length) terms.push((chars[i] as string) + (chars[i + 1] as string));
      }
    }
  }
  return terms;
}
