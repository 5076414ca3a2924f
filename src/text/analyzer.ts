/**
 * Search text analysis: the terms a title or a query is indexed and matched by.
 *
 * - Unicode NFKC, case and accent folding (`foldText`).
 * - Latin words: stop words dropped, English words stemmed (Porter, the `stemmer` package).
 * - Numbers with units: "32gb" → 32 gb, "1/2-inch" → 1/2 inch, "3 ft." → 3 ft; unit spellings are
 *   canonical (inches, in., " → inch; gallon, gal. → gal), and "in", "a", "v", "w" count as units
 *   only right after a number, so "in" stays a stop word elsewhere.
 * - Codes that start with a letter stay whole ("a19", "hdgg11"); codes that start with a digit are
 *   cut where digits meet letters ("4shelves" → 4 shelves, "12x12" → 12 12).
 * - Chinese, Japanese and Korean runs: the segmenter's search words (jieba: words and the words
 *   inside them), so mixed titles ("iphone手机壳") index both scripts.
 */
import { stemmer } from 'stemmer';
import { STOP_WORDS, foldText } from './analyze.js';
import { defaultSegmenter, type WordSegmenter } from './segment.js';

/** Unit spellings → canonical unit, valid anywhere. */
const UNITS = new Map<string, string>([
  ...['inch', 'inches'].map((s) => [s, 'inch'] as const),
  ...['ft', 'feet', 'foot'].map((s) => [s, 'ft'] as const),
  ...['gal', 'gallon', 'gallons'].map((s) => [s, 'gal'] as const),
  ...['lb', 'lbs', 'pound', 'pounds'].map((s) => [s, 'lb'] as const),
  ...['oz', 'ounce', 'ounces'].map((s) => [s, 'oz'] as const),
  ...['volt', 'volts'].map((s) => [s, 'volt'] as const),
  ...['watt', 'watts'].map((s) => [s, 'watt'] as const),
  ...['amp', 'amps', 'ampere', 'amperes'].map((s) => [s, 'amp'] as const),
  ...['yd', 'yard', 'yards'].map((s) => [s, 'yd'] as const),
  ...['pk', 'pack', 'packs'].map((s) => [s, 'pack'] as const),
  ...['mm', 'millimeter', 'millimeters'].map((s) => [s, 'mm'] as const),
  ...['cm', 'centimeter', 'centimeters'].map((s) => [s, 'cm'] as const),
  ...['cu', 'cubic'].map((s) => [s, 'cu'] as const),
  ...['sq'].map((s) => [s, 'sq'] as const),
]);

/** Spellings that are units only right after a number ("3 in." but "made in usa"). */
const UNITS_AFTER_NUMBER = new Map<string, string>([
  ['in', 'inch'],
  ['a', 'amp'],
  ['v', 'volt'],
  ['w', 'watt'],
  ['m', 'meter'],
  ['ga', 'gauge'],
  ['square', 'sq'],
  ['pc', 'piece'],
  ['pcs', 'piece'],
]);

const CJK_CLASS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
/** A CJK run, a run of other letters and digits with inner "." or "/" between digits, or an inch mark. */
const TOKEN = new RegExp(`[${CJK_CLASS}]+|(?:(?![${CJK_CLASS}])[\\p{L}\\p{N}])+(?:[./]\\d+)*|["”]`, 'gu');
/** Inch marks: 12" and 12” are 12 inch; a quote anywhere else is punctuation. */
const INCH_MARK = /^["”]$/;
const CJK_START = new RegExp(`^[${CJK_CLASS}]`, 'u');
const DIGITS = /^\d/;
/** The parts of a digit-led run: numbers (with a decimal or fraction part) and letter runs. */
const DIGIT_LETTER_RUNS = /\d+(?:[./]\d+)?|\p{L}+/gu;
/** A fraction as shops write sizes: "1/2", "15/32" (ratios of longer numbers are two numbers). */
const FRACTION = /^\d{1,2}\/\d{1,2}$/;
const ASCII_WORD = /^[a-z]+$/;

export interface Token {
  /** The folded word as written. */
  word: string;
  /** What it is indexed and matched as (stem, canonical unit, CJK word). */
  term: string;
}

export interface AnalyzerOptions {
  /** English stemming of Latin words (default true). */
  stemming?: boolean;
  /** Drop English stop words (default true). */
  stopWords?: boolean;
  /** Segmenter for CJK runs (default: jieba, else Intl.Segmenter). */
  segmenter?: WordSegmenter;
}

export class Analyzer {
  private readonly stemming: boolean;
  private readonly stopWords: boolean;
  private segmenter: WordSegmenter | undefined;
  private readonly stems = new Map<string, string>();

  constructor(options: AnalyzerOptions = {}) {
    this.stemming = options.stemming ?? true;
    this.stopWords = options.stopWords ?? true;
    this.segmenter = options.segmenter;
  }

  /** The terms of `text` in reading order. */
  terms(text: string): string[] {
    return this.tokens(text).map((t) => t.term);
  }

  /** The kept words of `text` in reading order, each with its term. */
  tokens(text: string): Token[] {
    const out: Token[] = [];
    let afterNumber = false;
    for (const match of foldText(text).matchAll(TOKEN)) {
      const token = match[0];
      if (CJK_START.test(token)) {
        this.segmenter ??= defaultSegmenter();
        for (const word of this.segmenter.searchWords(token)) if (word.trim() !== '') out.push({ word, term: word });
        afterNumber = false;
      } else if (INCH_MARK.test(token)) {
        if (afterNumber) out.push({ word: token, term: 'inch' });
        afterNumber = false;
      } else if (DIGITS.test(token)) {
        for (const part of token.match(DIGIT_LETTER_RUNS) ?? []) {
          if (!part.includes('/') || FRACTION.test(part)) afterNumber = this.push(part, afterNumber, out);
          else for (const n of part.split('/')) afterNumber = this.push(n, afterNumber, out);
        }
      } else {
        afterNumber = this.push(token, afterNumber, out);
      }
    }
    return out;
  }

  /** The term one word stands for ('' when it is dropped), given whether a number came before. */
  term(word: string, afterNumber = false): string {
    if (DIGITS.test(word)) return word;
    const unit = UNITS.get(word) ?? (afterNumber ? UNITS_AFTER_NUMBER.get(word) : undefined);
    if (unit !== undefined) return unit;
    if (word.length === 1 && ASCII_WORD.test(word)) return '';
    if (this.stopWords && STOP_WORDS.has(word)) return '';
    return this.stem(word);
  }

  /** The stem of a folded word (Latin letters only; other words are returned as they are). */
  stem(word: string): string {
    if (!this.stemming || word.length < 3 || !ASCII_WORD.test(word)) return word;
    let stem = this.stems.get(word);
    if (stem === undefined) {
      stem = stemmer(word);
      if (this.stems.size < 200_000) this.stems.set(word, stem);
    }
    return stem;
  }

  /** Appends the term of `word`; returns whether it was a number. */
  private push(word: string, afterNumber: boolean, out: Token[]): boolean {
    const term = this.term(word, afterNumber);
    if (term !== '') out.push({ word, term });
    return DIGITS.test(word);
  }
}

let shared: Analyzer | undefined;

/** The default analyzer, shared by the process. */
export function defaultAnalyzer(): Analyzer {
  shared ??= new Analyzer();
  return shared;
}
