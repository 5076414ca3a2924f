/**
 * Training sequences for SASRec: for each user, the inputs are their items but the last and the
 * targets the items that follow, both cut to the newest L; positions end at L − 1. A shard of a
 * batch is built into arrays that grow to the largest shard and are then reused.
 */
import type { SasrecBatch } from './sasrec-net.js';

/** Users' item sequences, oldest first: user u's items are items[indptr[u] .. end[u]). */
export interface TrainSequences {
  indptr: Int32Array;
  items: Int32Array;
  /** End of each user's training part (indptr[u + 1], or one less for validation users). */
  end: Int32Array;
}

/** Tokens user u contributes: min(L, n − 1) for n training items. */
export function tokensOf(seq: TrainSequences, u: number, maxLength: number): number {
  const n = (seq.end[u] as number) - (seq.indptr[u] as number);
  return Math.max(0, Math.min(maxLength, n - 1));
}

export class ShardBuilder {
  readonly batch: SasrecBatch = {
    starts: new Int32Array(1),
    sequences: 0,
    inputs: new Int32Array(0),
    positions: new Int32Array(0),
    targets: new Int32Array(0),
    negatives: new Int32Array(0),
    numNegatives: 0,
    normaliser: 1,
    seed: 0,
  };

  constructor(private readonly maxLength: number) {}

  /** The shard of `users` (their training tokens), sharing `negatives`. */
  build(seq: TrainSequences, users: ArrayLike<number>, negatives: Int32Array, normaliser: number, seed: number): SasrecBatch {
    const L = this.maxLength;
    let tokens = 0;
    for (let i = 0; i < users.length; i++) tokens += tokensOf(seq, users[i] as number, L);
    const b = this.batch;
    if (b.starts.length < users.length + 1) b.starts = new Int32Array(users.length + 1);
    if (b.inputs.length < tokens) {
      const n = Math.max(tokens, Math.ceil(b.inputs.length * 1.5));
      b.inputs = new Int32Array(n);
      b.positions = new Int32Array(n);
      b.targets = new Int32Array(n);
    }
    let t = 0;
    let s = 0;
    for (let i = 0; i < users.length; i++) {
      const u = users[i] as number;
      const l = tokensOf(seq, u, L);
      if (l === 0) continue;
      b.starts[s++] = t;
      const end = seq.end[u] as number;
      // Inputs items[end − l − 1 .. end − 2], targets one later.
      for (let j = 0; j < l; j++) {
        b.inputs[t] = seq.items[end - l - 1 + j] as number;
        b.targets[t] = seq.items[end - l + j] as number;
        b.positions[t] = L - l + j;
        t++;
      }
    }
    b.starts[s] = t;
    b.sequences = s;
    b.negatives = negatives;
    b.numNegatives = negatives.length;
    b.normaliser = normaliser;
    b.seed = seed;
    return b;
  }

  /**
   * A batch of sequences for serving: each history's newest ≤ L known items (an empty sequence
   * where none is known), no targets.
   */
  many(histories: ReadonlyArray<ArrayLike<number>>, numItems: number): SasrecBatch {
    const L = this.maxLength;
    const b = this.batch;
    const n = histories.length;
    if (b.inputs.length < n * L) {
      b.inputs = new Int32Array(n * L);
      b.positions = new Int32Array(n * L);
      b.targets = new Int32Array(n * L);
    }
    if (b.starts.length < n + 1) b.starts = new Int32Array(n + 1);
    let t = 0;
    for (let s = 0; s < n; s++) {
      b.starts[s] = t;
      const history = histories[s] as ArrayLike<number>;
      // Newest first into the targets (scratch here), skipping unknown items, then oldest first.
      let l = 0;
      for (let i = history.length - 1; i >= 0 && l < L; i--) {
        const item = history[i] as number;
        if (item >= 0 && item < numItems) b.targets[t + l++] = item;
      }
      for (let j = 0; j < l; j++) {
        b.inputs[t + j] = b.targets[t + l - 1 - j] as number;
        b.positions[t + j] = L - l + j;
      }
      t += l;
    }
    b.starts[n] = t;
    b.sequences = n;
    b.numNegatives = 0;
    b.normaliser = 1;
    return b;
  }

  /** A batch of one sequence (none when no item of the history is known). */
  single(history: ArrayLike<number>, numItems: number): SasrecBatch {
    const b = this.many([history], numItems);
    if (b.starts[1] === 0) b.sequences = 0;
    return b;
  }
}
