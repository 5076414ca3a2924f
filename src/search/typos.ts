/**
 * Typo-tolerant term lookup by symmetric deletion (Garbe's SymSpell): every vocabulary term is
 * filed under itself and each string one or two deletions away; a query word looks up itself and
 * its own deletions (two deep for long words), and each hit is confirmed by the
 * optimal-string-alignment distance. Insertions, deletions, substitutions and swaps of neighbours
 * count one edit each. Two typos need two deletions on both sides (two substitutions meet only
 * once both letters are gone from each), hence the second level on the vocabulary side too.
 */

/** Typos allowed for a word of this many characters: 0 below 4, 1 below 8, 2 from 8 on. */
export function allowedTypos(length: number): number {
  return length < 4 ? 0 : length < 8 ? 1 : 2;
}

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits), capped: returns max + 1 once above max. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  let prev2 = new Int32Array(n + 1);
  let prev = new Int32Array(n + 1);
  let cur = new Int32Array(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        d = Math.min(d, (prev2[j - 2] as number) + 1);
      }
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return Math.min(prev[n] as number, max + 1);
}

function deletions(word: string, out: Set<string>): void {
  for (let i = 0; i < word.length; i++) out.add(word.slice(0, i) + word.slice(i + 1));
}

export interface TypoMatch {
  term: number;
  distance: number;
}

export class TypoDictionary {
  /** Deletion string (or term) → term ids filed under it. */
  private readonly buckets = new Map<string, number | number[]>();

  /** Files a vocabulary term (ids must be added once each). */
  add(term: string, id: number): void {
    if (allowedTypos(term.length) === 0 && term.length < 3) return;
    const keys = new Set<string>([term]);
    if (term.length >= 3) deletions(term, keys);
    for (const d of [...keys]) if (d.length < term.length) deletions(d, keys);
    for (const key of keys) {
      const at = this.buckets.get(key);
      if (at === undefined) this.buckets.set(key, id);
      else if (typeof at === 'number') this.buckets.set(key, [at, id]);
      else at.push(id);
    }
  }

  /**
   * Vocabulary terms within the allowed typos of `word` (itself excluded), nearest first; `termOf`
   * maps an id back to its text.
   */
  lookup(word: string, termOf: (id: number) => string, maxTypos = allowedTypos(word.length)): TypoMatch[] {
    if (maxTypos === 0) return [];
    const keys = new Set<string>([word]);
    deletions(word, keys);
    if (maxTypos >= 2) for (const d of [...keys]) if (d.length < word.length) deletions(d, keys);
    const seen = new Set<number>();
    const out: TypoMatch[] = [];
    for (const key of keys) {
      const at = this.buckets.get(key);
      if (at === undefined) continue;
      for (const id of typeof at === 'number' ? [at] : at) {
        if (seen.has(id)) continue;
        seen.add(id);
        const term = termOf(id);
        if (term === word) continue;
        const distance = editDistance(word, term, maxTypos);
        if (distance <= maxTypos) out.push({ term: id, distance });
      }
    }
    return out.sort((a, b) => a.distance - b.distance || a.term - b.term);
  }

  get size(): number {
    return this.buckets.size;
  }
}
