/** Preparing text for an encoder: one documented treatment for every provider. */
import { ShopfusionError } from '../core/errors.js';

/**
 * Unicode-normalised (NFKC), whitespace collapsed, and cut at `maxChars` on a word boundary where
 * one is near: long descriptions are truncated, not refused (encoders read a bounded window).
 * Empty text is an error naming its position: there is nothing to embed.
 */
export function prepareText(text: string, maxChars: number, position?: number): string {
  const clean = text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
  if (clean === '') {
    const where = position === undefined ? 'the text' : `text ${position}`;
    throw new ShopfusionError('invalid_argument', `${where} is empty (after trimming whitespace); there is nothing to embed`);
  }
  if (clean.length <= maxChars) return clean;
  const cut = clean.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return space > maxChars * 0.8 ? cut.slice(0, space) : cut;
}

/** True when the text has at least one Latin letter: what an English-only encoder can read. */
export function hasLatinLetters(text: string): boolean {
  return /\p{Script=Latin}/u.test(text);
}
