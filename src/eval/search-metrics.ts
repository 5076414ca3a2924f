/**
 * Measures for search evaluation: graded NDCG, ROC-AUC of a relevance score, query folds for
 * cross-validation, and seeded typo injection.
 */
import { Rng } from '../models/random.js';

/** NDCG@k of a ranked list of ids under graded gains (linear gain, log2 discount); 0 when nothing is relevant. */
export function gradedNdcg(ranked: readonly string[], gains: ReadonlyMap<string, number>, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) dcg += (gains.get(ranked[i] as string) ?? 0) / Math.log2(i + 2);
  const ideal = [...gains.values()]
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, g, i) => sum + g / Math.log2(i + 2), 0);
  return ideal > 0 ? dcg / ideal : 0;
}

/** Ids ordered by score, best first; ties keep their given order. */
export function orderByScore(ids: readonly string[], scores: ArrayLike<number>): string[] {
  return ids
    .map((id, i) => ({ id, i, s: scores[i] as number }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.id);
}

/**
 * Area under the ROC curve of `scores` for binary `labels`: the probability that a random positive
 * scores above a random negative, ties counting one half (Mann–Whitney U with mid-ranks).
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (labels[order[t] as number]) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Fold number (0..folds − 1) of each of `n` queries, balanced and shuffled by `seed`. */
export function queryFolds(n: number, folds: number, seed: number): Int32Array {
  const order = new Rng(seed).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const out = new Int32Array(n);
  order.forEach((q, i) => (out[q] = i % folds));
  return out;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * One random typo in a query: in a random word of four or more letters (any word when none is
 * that long), a random letter is deleted, inserted, replaced, or swapped with its neighbour
 * (one of the four with equal chance; a swap of two equal letters becomes a replacement). Seeded
 * by `rng`: every returned query is exactly one edit away from the given one.
 */
export function injectTypo(query: string, rng: Rng): string {
  const words = [...query.matchAll(/\p{L}+/gu)];
  if (words.length === 0) return query;
  const long = words.filter((w) => w[0].length >= 4);
  const pool = long.length > 0 ? long : words;
  const word = pool[rng.int(pool.length)] as RegExpMatchArray;
  const text = word[0];
  const at = rng.int(text.length);
  const letter = LETTERS[rng.int(LETTERS.length)] as string;
  // A letter other than `c`, so that a replacement always changes the word.
  const other = (c: string | undefined) => (c === letter ? (LETTERS[(LETTERS.indexOf(letter) + 1) % 26] as string) : letter);
  let typo: string;
  switch (rng.int(4)) {
    case 0:
      typo = text.length > 1 ? text.slice(0, at) + text.slice(at + 1) : other(text);
      break;
    case 1:
      typo = text.slice(0, at) + letter + text.slice(at);
      break;
    case 2:
      typo = text.slice(0, at) + other(text[at]) + text.slice(at + 1);
      break;
    default: {
      // Swap neighbours that differ ("ll" swapped is no typo); a word without any gets a replacement.
      let i = Math.min(at, text.length - 2);
      for (let tries = 0; tries < text.length && i >= 0 && text[i] === text[i + 1]; tries++) i = (i + 1) % Math.max(1, text.length - 1);
      typo = i >= 0 && text.length > 1 && text[i] !== text[i + 1] ? text.slice(0, i) + (text[i + 1] as string) + (text[i] as string) + text.slice(i + 2) : text.slice(0, at) + other(text[at]) + text.slice(at + 1);
    }
  }
  const start = word.index ?? 0;
  return query.slice(0, start) + typo + query.slice(start + text.length);
}
