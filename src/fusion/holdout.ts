/**
 * The fusion's own validation data: a holdout carved out of the training data it is given, so
 * channel parameters, fusion weights and the ranker are learned on interactions the channels did
 * not see (never on the evaluation's test part).
 *
 * - `last`: each user's newest interaction is held out (next-item prediction: the task of a shop's
 *   feed and of the `loo` protocol, S3-Rec style).
 * - `random`: a seeded 20% of each user's distinct items (the `msr` and `random` protocols).
 *
 * Users with fewer than 3 distinct items keep everything. Held-out items are removed from the
 * user's sequence and matrix row wherever they occur, so no copy of a target leaks into training.
 */
import { Csr } from '../data/csr.js';
import { Rng } from '../models/random.js';
import type { TrainData } from '../models/types.js';

export type HoldoutMode = 'last' | 'random';

export interface Holdout {
  /** The training data without the held-out interactions. */
  train: TrainData;
  /** Users with held-out items, ascending. */
  users: Int32Array;
  /** User users[g]'s held-out items are targets[targetPtr[g] .. targetPtr[g + 1]). */
  targetPtr: Int32Array;
  targets: Int32Array;
}

const RANDOM_SHARE = 0.2;
const MIN_ITEMS = 3;

export function holdOut(data: TrainData, mode: HoldoutMode, seed: number): Holdout {
  const { matrix, sequences } = data;
  const rng = new Rng(seed);
  const users: number[] = [];
  const targetPtr: number[] = [0];
  const targets: number[] = [];
  const held = new Set<number>();
  const keepSeq = new Uint8Array(sequences.items.length).fill(1);
  const keepNnz = new Uint8Array(matrix.nnz).fill(1);
  for (let u = 0; u < data.numUsers; u++) {
    const row = matrix.row(u).indices;
    if (row.length < MIN_ITEMS) continue;
    held.clear();
    const start = sequences.indptr[u] as number;
    const end = sequences.indptr[u + 1] as number;
    if (mode === 'last') {
      if (end > start) held.add(sequences.items[end - 1] as number);
    } else {
      const order = Int32Array.from(row);
      rng.shuffle(order);
      const count = Math.max(1, Math.round(order.length * RANDOM_SHARE));
      for (let i = 0; i < count; i++) held.add(order[i] as number);
    }
    if (held.size === 0) continue;
    for (let p = start; p < end; p++) if (held.has(sequences.items[p] as number)) keepSeq[p] = 0;
    const base = matrix.indptr[u] as number;
    for (let p = 0; p < row.length; p++) if (held.has(row[p] as number)) keepNnz[base + p] = 0;
    users.push(u);
    targets.push(...[...held].sort((a, b) => a - b));
    targetPtr.push(targets.length);
  }
  return {
    train: { ...data, matrix: filterCsr(matrix, keepNnz), sequences: filterSequences(sequences, keepSeq) },
    users: Int32Array.from(users),
    targetPtr: Int32Array.from(targetPtr),
    targets: Int32Array.from(targets),
  };
}

function filterCsr(m: Csr, keep: Uint8Array): Csr {
  const indptr = new Int32Array(m.rows + 1);
  let kept = 0;
  for (let p = 0; p < keep.length; p++) kept += keep[p] as number;
  const indices = new Int32Array(kept);
  const values = new Float32Array(kept);
  let at = 0;
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r] as number; p < (m.indptr[r + 1] as number); p++) {
      if (keep[p] === 0) continue;
      indices[at] = m.indices[p] as number;
      values[at++] = m.data[p] as number;
    }
    indptr[r + 1] = at;
  }
  return new Csr(m.rows, m.cols, indptr, indices, values);
}

function filterSequences(s: TrainData['sequences'], keep: Uint8Array): TrainData['sequences'] {
  const users = s.indptr.length - 1;
  const indptr = new Int32Array(users + 1);
  let kept = 0;
  for (let p = 0; p < keep.length; p++) kept += keep[p] as number;
  const items = new Int32Array(kept);
  const times = new Float64Array(kept);
  let at = 0;
  for (let u = 0; u < users; u++) {
    for (let p = s.indptr[u] as number; p < (s.indptr[u + 1] as number); p++) {
      if (keep[p] === 0) continue;
      items[at] = s.items[p] as number;
      times[at++] = s.times[p] as number;
    }
    indptr[u + 1] = at;
  }
  return { indptr, items, times };
}
