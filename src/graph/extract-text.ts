/**
 * Normalised views of a text that remember where each character came from. Extractors match on a
 * folded form ("Stainless-Steel" → "stainless steel", "３２ＧＢ" → "32gb") but must report spans in
 * the text the caller gave, and folding changes lengths (NFKC turns "㎖" into "ml", accent removal
 * drops combining marks), so every code unit of a view carries the span of its source code point.
 */
import { foldText } from '../text/analyze.js';

/** A transformed text plus, per UTF-16 unit, the source span of the code point it came from. */
export interface MappedText {
  text: string;
  start: Int32Array;
  end: Int32Array;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const LETTER_OR_NUMBER = /^[\p{L}\p{N}]+$/u;

/** Whether a character belongs to a script written without spaces (a word may start anywhere). */
export function isCjk(ch: string): boolean {
  return CJK.test(ch);
}

/**
 * Applies `transform` to each code point of `source` and records where every output unit came
 * from. With `separators`, any output that is not letters or digits becomes one space and runs of
 * spaces collapse, so punctuation and hyphens compare equal to blanks.
 */
export function mapText(source: string, transform: (codePoint: string) => string, separators = false): MappedText {
  let text = '';
  const start: number[] = [];
  const end: number[] = [];
  let at = 0;
  for (const cp of source) {
    const from = at;
    at += cp.length;
    let out = transform(cp);
    if (separators && out !== '' && !LETTER_OR_NUMBER.test(out)) {
      out = [...out].map((c) => (LETTER_OR_NUMBER.test(c) ? c : ' ')).join('');
    }
    for (let i = 0; i < out.length; i++) {
      const unit = out[i] as string;
      if (separators && unit === ' ' && (text.length === 0 || text.endsWith(' '))) continue;
      text += unit;
      start.push(from);
      end.push(at);
    }
  }
  return { text, start: Int32Array.from(start), end: Int32Array.from(end) };
}

/** `foldText` one code point at a time, with an ASCII fast path (most product text is ASCII). */
function foldCodePoint(cp: string): string {
  const code = cp.charCodeAt(0);
  if (code < 0x80) return code >= 0x41 && code <= 0x5a ? String.fromCharCode(code + 32) : cp;
  return foldText(cp);
}

/** The form gazetteer values and texts are compared in: folded, punctuation as single blanks. */
export function matchForm(text: string): MappedText {
  return mapText(text, foldCodePoint, true);
}

/** The dictionary key of a value: its match form without outer blanks ("  Porter-Cable " → "porter cable"). */
export function matchKey(value: string): string {
  return matchForm(value).text.trim();
}

/** NFKC only, case kept: the view unit patterns read ("½" → "1⁄2", "ｍｌ" → "ml"). */
export function nfkcView(text: string): MappedText {
  return mapText(text, (cp) => (cp.charCodeAt(0) < 0x80 ? cp : cp.normalize('NFKC')));
}

/** Source span of the view's units `[from, to)`. */
export function sourceSpan(view: MappedText, from: number, to: number): [number, number] {
  return [view.start[from] ?? 0, view.end[to - 1] ?? 0];
}

/**
 * In a match form, whether position `i` is a word boundary: anywhere except between two
 * characters of a spaced script ("acme" must not match inside "acmex"; "华为" may match in "华为p20").
 */
export function isBoundary(form: string, i: number): boolean {
  if (i <= 0 || i >= form.length) return true;
  return !(isWordUnit(form.charCodeAt(i - 1)) && isWordUnit(form.charCodeAt(i)));
}

function isWordUnit(code: number): boolean {
  if (code === 0x20) return false;
  if (code < 0x80) return true;
  return !CJK.test(String.fromCharCode(code));
}

/** First occurrence of a match key in a match form that starts and ends on word boundaries. */
export function findKey(form: string, key: string): number {
  if (key === '') return -1;
  for (let i = form.indexOf(key); i >= 0; i = form.indexOf(key, i + 1)) {
    if (isBoundary(form, i) && isBoundary(form, i + key.length)) return i;
  }
  return -1;
}
