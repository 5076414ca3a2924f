/**
 * The validation requests the fusion learns from, stored after recall: for each sampled holdout
 * user whose held-out items at least one channel recalled, the candidates with every channel's raw
 * score and rank, the gains, and the ideal DCG over all held-out items (recalled or not).
 */
import { historyOf } from '../data/interactions.js';
import type { TrainData } from '../models/types.js';
import type { CandidateSet } from './candidates.js';
import type { ChannelRecall } from './channels.js';
import { fuseRrf, normalise, type Normalisation } from './fuse.js';
import type { Holdout } from './holdout.js';
import { groupsNdcg, idealDcg, type FusionGroups } from './learn.js';

export interface StoredGroups {
  channels: number;
  items: Int32Array[];
  raw: Float32Array[];
  ranks: Int32Array[];
  lengths: Int32Array[];
  labels: Float32Array[];
  ideal: Float64Array;
  /** Each request's user segment (by history length). */
  segment: number[];
  users: number[];
  /** The training data the requests' histories come from. */
  train: TrainData;
  /** Requests sampled, including those with nothing recalled (they count as NDCG 0). */
  sampled: number;
}

export function collectGroups(options: {
  recall: ChannelRecall;
  set: CandidateSet;
  holdout: Holdout;
  /** Holdout group indices to use. */
  sample: Int32Array;
  segmentOf: (historyLength: number) => number;
}): StoredGroups {
  const { recall, set, holdout, sample } = options;
  const c = set.channels;
  const stored: StoredGroups = { channels: c, items: [], raw: [], ranks: [], lengths: [], labels: [], ideal: new Float64Array(0), segment: [], users: [], train: holdout.train, sampled: sample.length };
  const ideal: number[] = [];
  const target = new Uint8Array(holdout.train.numItems);
  for (const g of sample) {
    const u = holdout.users[g] as number;
    const history = historyOf(holdout.train.sequences, u);
    recall.recall(u, history, set);
    const t0 = holdout.targetPtr[g] as number;
    const t1 = holdout.targetPtr[g + 1] as number;
    for (let t = t0; t < t1; t++) target[holdout.targets[t] as number] = 1;
    const y = new Float32Array(set.size);
    let hits = 0;
    for (let m = 0; m < set.size; m++) hits += y[m] = target[set.items[m] as number] as number;
    for (let t = t0; t < t1; t++) target[holdout.targets[t] as number] = 0;
    if (hits === 0) continue;
    stored.raw.push(set.raw.slice(0, set.size * c));
    stored.ranks.push(set.ranks.slice(0, set.size * c));
    stored.items.push(set.items.slice(0, set.size));
    stored.lengths.push(set.lengths.slice());
    stored.labels.push(y);
    ideal.push(idealDcg(t1 - t0));
    stored.segment.push(options.segmentOf(history.length));
    stored.users.push(u);
  }
  stored.ideal = Float64Array.from(ideal);
  return stored;
}

/** Stored request g as scored candidates (views, no copies). */
export function groupView(stored: StoredGroups, g: number) {
  return { size: (stored.labels[g] as Float32Array).length, channels: stored.channels, raw: stored.raw[g] as Float32Array, ranks: stored.ranks[g] as Int32Array, lengths: stored.lengths[g] as Int32Array };
}

/** All stored requests normalised by `mode`, as the weight learner reads them. */
export function normalisedGroups(stored: StoredGroups, mode: Normalisation): FusionGroups {
  const c = stored.channels;
  const groups = stored.labels.length;
  const starts = new Int32Array(groups + 1);
  for (let g = 0; g < groups; g++) starts[g + 1] = (starts[g] as number) + (stored.labels[g] as Float32Array).length;
  const rows = starts[groups] as number;
  const labels = new Float32Array(rows);
  const x = new Float32Array(rows * c);
  for (let g = 0; g < groups; g++) {
    labels.set(stored.labels[g] as Float32Array, starts[g] as number);
    normalise(groupView(stored, g), mode, x.subarray((starts[g] as number) * c, (starts[g + 1] as number) * c));
  }
  return { x, dims: c, starts, labels, ideal: stored.ideal };
}

/** Mean NDCG@10 of plain RRF over the stored requests. */
export function rrfNdcg(stored: StoredGroups): number {
  const groups = stored.labels.length;
  let sum = 0;
  for (let g = 0; g < groups; g++) {
    const view = groupView(stored, g);
    const scores = new Float64Array(view.size);
    fuseRrf(view, scores);
    const one: FusionGroups = { x: Float32Array.from(scores), dims: 1, starts: Int32Array.from([0, view.size]), labels: stored.labels[g] as Float32Array, ideal: Float64Array.of(stored.ideal[g] as number) };
    sum += groupsNdcg(one, [1]);
  }
  return groups > 0 ? sum / groups : 0;
}
