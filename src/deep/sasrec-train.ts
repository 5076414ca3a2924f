/**
 * Training a SASRec network: Adam over shuffled batches of users, each batch split into two
 * shards whose gradients are computed by up to two threads (the main thread and a worker, over
 * SharedArrayBuffers) and summed in a fixed order, so the result is the same for one thread or
 * two. Early stopping on held-out next items: for a seeded sample of users the last training item
 * is kept out of training and predicted from the items before it (NDCG@10 over the full catalog);
 * the parameters of the best epoch are kept.
 */
import { availableParallelism } from 'node:os';
import { WorkerTeam } from '../core/worker.js';
import { Rng } from '../models/random.js';
import type { Sequences } from '../models/types.js';
import { Adam } from './adam.js';
import { ShardBuilder, tokensOf, type TrainSequences } from './sasrec-batches.js';
import { SasrecNet, SasrecWork, initSasrec, type SasrecShape } from './sasrec-net.js';

export interface SasrecTrainOptions {
  shape: SasrecShape;
  dropout: number;
  /** Share of items trained by their text alone (with text; see `SasrecNet.idDropout`). */
  idDropout?: number;
  learningRate: number;
  /** Decoupled weight decay (AdamW); 0 for plain Adam. */
  weightDecay: number;
  /** Users per batch. */
  batchSize: number;
  /** Shared negatives per batch; at least the catalog size means the full softmax. */
  negatives: number;
  /** The most epochs. */
  epochs: number;
  /** Epochs without a better validation NDCG@10 before stopping. */
  patience: number;
  /** Wall-clock budget: no epoch starts after it is spent. */
  maxSeconds: number;
  /** Users whose last item is held out for early stopping. */
  validationUsers: number;
  seed: number;
  /** 1 or 2; the result does not depend on it. */
  threads: number;
  /** Items' text vectors (items × textDim) when the shape has text. */
  text?: Float32Array;
  onEpoch?: (epoch: SasrecEpoch) => void;
  progress?: (fraction: number) => void;
}

export interface SasrecEpoch {
  epoch: number;
  /** Mean training loss of the epoch's batches. */
  loss: number;
  /** NDCG@10 and HR@10 of the held-out next items. */
  validNdcg: number;
  validHr: number;
  seconds: number;
}

export interface SasrecTrained {
  net: SasrecNet;
  theta: Float64Array;
  epochs: SasrecEpoch[];
  bestEpoch: number;
  /** Items that appear in a training sequence. */
  seen: Uint8Array;
}

/** Shards per batch: fixed, so that thread counts up to it give identical models. */
export const SHARDS = 2;

/** What a worker needs, once: shapes and shared arrays. */
export interface SasrecShared {
  shape: SasrecShape;
  dropout: number;
  idDropout: number;
  theta: Float64Array;
  /** SHARDS gradients, one after another. */
  grads: Float64Array;
  losses: Float64Array;
  indptr: Int32Array;
  items: Int32Array;
  end: Int32Array;
  text?: Float32Array;
}

export interface SasrecTask {
  shard: number;
  users: Int32Array;
  negatives: Int32Array;
  normaliser: number;
  seed: number;
}

/** Computes one shard's loss and gradient into the shared arrays (main thread or worker). */
export class ShardRunner {
  private readonly net: SasrecNet;
  private readonly work: SasrecWork;
  private readonly builder: ShardBuilder;
  private readonly seq: TrainSequences;

  constructor(private readonly shared: SasrecShared) {
    this.net = new SasrecNet(shared.shape, shared.dropout, shared.idDropout);
    this.work = new SasrecWork(this.net, shared.text);
    this.builder = new ShardBuilder(shared.shape.maxLength);
    this.seq = { indptr: shared.indptr, items: shared.items, end: shared.end };
  }

  run(task: SasrecTask): void {
    const size = this.net.layout.size;
    const grad = this.shared.grads.subarray(task.shard * size, (task.shard + 1) * size);
    grad.fill(0);
    const batch = this.builder.build(this.seq, task.users, task.negatives, task.normaliser, task.seed);
    if (batch.sequences === 0) {
      this.shared.losses[task.shard] = 0;
      return;
    }
    this.shared.losses[task.shard] = this.work.forward(this.shared.theta, batch, true);
    this.work.backward(this.shared.theta, batch, grad);
  }
}

/** A copy of `source` in a SharedArrayBuffer, viewed by `make`. */
function sharedCopy<T extends Int32Array | Float64Array | Float32Array>(source: { byteLength: number; length: number }, make: (buffer: SharedArrayBuffer) => T): T {
  const out = make(new SharedArrayBuffer(source.byteLength));
  out.set(source as never);
  return out;
}

/** NDCG@10 and HR@10 of each validation user's held-out item, ranked against every item they have not had. */
export function validate(net: SasrecNet, theta: Float64Array, text: Float32Array | undefined, seq: TrainSequences, users: Int32Array): { ndcg: number; hr: number } {
  const { items: numItems, dim: d } = net.shape;
  const table = new Float32Array(numItems * d);
  net.itemTable(theta, text, table);
  const work = new SasrecWork(net, undefined, table);
  const builder = new ShardBuilder(net.shape.maxLength);
  const seen = new Uint8Array(numItems);
  let ndcg = 0;
  let hits = 0;
  for (const u of users) {
    const start = seq.indptr[u] as number;
    const end = seq.end[u] as number;
    const target = seq.items[end] as number;
    const batch = builder.single(seq.items.subarray(start, end), numItems);
    if (batch.sequences === 0) continue;
    const hidden = work.hidden(theta, batch);
    const last = ((batch.starts[1] as number) - 1) * d;
    for (let p = start; p < end; p++) seen[seq.items[p] as number] = 1;
    const score = (item: number) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += (hidden[last + k] as number) * (table[item * d + k] as number);
      return s;
    };
    const targetScore = score(target);
    // Pessimistic ties: an item with the same score ranks before the target.
    let rank = 0;
    for (let j = 0; j < numItems && rank < 10; j++) if (j !== target && seen[j] === 0 && score(j) >= targetScore) rank++;
    if (seen[target] === 0 && rank < 10) {
      ndcg += 1 / Math.log2(rank + 2);
      hits++;
    }
    for (let p = start; p < end; p++) seen[seq.items[p] as number] = 0;
  }
  return { ndcg: ndcg / Math.max(1, users.length), hr: hits / Math.max(1, users.length) };
}

export async function trainSasrec(sequences: Sequences, options: SasrecTrainOptions): Promise<SasrecTrained> {
  const { shape } = options;
  const numUsers = sequences.indptr.length - 1;
  const rng = new Rng(options.seed);
  const net = new SasrecNet(shape, options.dropout);
  const size = net.layout.size;

  // Validation users: a seeded sample of those with at least 3 items; their last item is held out.
  const end = sequences.indptr.slice(1);
  const candidates: number[] = [];
  for (let u = 0; u < numUsers; u++) if ((sequences.indptr[u + 1] as number) - (sequences.indptr[u] as number) >= 3) candidates.push(u);
  rng.shuffle(candidates);
  const validation = Int32Array.from(candidates.slice(0, options.validationUsers)).sort();
  for (const u of validation) end[u] = (end[u] as number) - 1;

  const shared: SasrecShared = {
    shape,
    dropout: options.dropout,
    idDropout: options.idDropout ?? 0,
    theta: sharedCopy(initSasrec(shape, net.layout, options.seed), (b) => new Float64Array(b)),
    grads: new Float64Array(new SharedArrayBuffer(SHARDS * size * 8)),
    losses: new Float64Array(new SharedArrayBuffer(SHARDS * 8)),
    indptr: sharedCopy(sequences.indptr, (b) => new Int32Array(b)),
    items: sharedCopy(sequences.items, (b) => new Int32Array(b)),
    end: sharedCopy(end, (b) => new Int32Array(b)),
    ...(options.text ? { text: sharedCopy(options.text, (b) => new Float32Array(b)) } : {}),
  };
  const seq: TrainSequences = { indptr: shared.indptr, items: shared.items, end: shared.end };
  const seen = new Uint8Array(shape.items);
  for (let u = 0; u < numUsers; u++) {
    if (tokensOf(seq, u, shape.maxLength) === 0) continue;
    for (let p = sequences.indptr[u] as number; p < (end[u] as number); p++) seen[sequences.items[p] as number] = 1;
  }
  const trainUsers = Int32Array.from({ length: numUsers }, (_, u) => u).filter((u) => tokensOf(seq, u, shape.maxLength) > 0);

  const threads = Math.max(1, Math.min(SHARDS, options.threads, availableParallelism()));
  const team = threads > 1 ? new WorkerTeam<SasrecTask>(new URL('./sasrec-worker.js', import.meta.url), shared, threads - 1, 'SASRec') : undefined;
  const local = new ShardRunner(shared);
  const adam = new Adam(size, options.learningRate, options.weightDecay);
  const grad = shared.grads.subarray(0, size);
  const negatives = new Int32Array(Math.min(options.negatives, shape.items));
  const full = options.negatives >= shape.items;
  if (full) for (let j = 0; j < shape.items; j++) negatives[j] = j;
  const theta = shared.theta;
  let best = { ndcg: -1, epoch: 0, theta: theta.slice() };
  const epochs: SasrecEpoch[] = [];
  const started = performance.now();
  let step = 0;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const epochStart = performance.now();
      const order: Int32Array = rng.shuffle(trainUsers.slice());
      let lossSum = 0;
      let batches = 0;
      for (let b = 0; b < order.length; b += options.batchSize) {
        const users = order.subarray(b, Math.min(order.length, b + options.batchSize));
        let tokens = 0;
        for (const u of users) tokens += tokensOf(seq, u, shape.maxLength);
        if (!full) for (let j = 0; j < negatives.length; j++) negatives[j] = Math.floor(rng.next() * shape.items);
        step++;
        const tasks: SasrecTask[] = [];
        for (let s = 0; s < SHARDS; s++) {
          tasks.push({ shard: s, users: users.filter((_, i) => i % SHARDS === s), negatives, normaliser: tokens, seed: (options.seed * 7919 + step * SHARDS + s) >>> 0 });
        }
        if (team) {
          const remote = tasks.slice(1).map((task, w) => team.send(w % team.size, task));
          for (const p of remote) p.catch(() => {});
          local.run(tasks[0] as SasrecTask);
          await Promise.all(remote);
        } else {
          for (const task of tasks) local.run(task);
        }
        let loss = 0;
        for (let s = 0; s < SHARDS; s++) loss += shared.losses[s] as number;
        lossSum += loss;
        batches++;
        // The shards' gradients, summed in shard order into the first.
        for (let i = 0; i < size; i++) {
          let g = 0;
          for (let s = 0; s < SHARDS; s++) g += shared.grads[s * size + i] as number;
          grad[i] = g;
        }
        adam.step(theta, grad);
        options.progress?.(Math.min(1, (epoch - 1 + b / order.length) / options.epochs));
      }
      const valid = validation.length > 0 ? validate(net, theta, shared.text, seq, validation) : { ndcg: 0, hr: 0 };
      const stats = { epoch, loss: lossSum / Math.max(1, batches), validNdcg: valid.ndcg, validHr: valid.hr, seconds: (performance.now() - epochStart) / 1000 };
      epochs.push(stats);
      options.onEpoch?.(stats);
      // Without validation users every epoch is the best so far: no early stopping.
      if (valid.ndcg > best.ndcg || validation.length === 0) best = { ndcg: valid.ndcg, epoch, theta: theta.slice() };
      if (epoch - best.epoch >= options.patience) break;
      if ((performance.now() - started) / 1000 >= options.maxSeconds) break;
    }
  } finally {
    await team?.close();
  }
  return { net, theta: best.theta, epochs, bestEpoch: best.epoch, seen };
}
