/**
 * The fusion's recall channels offline: each channel is a trained model, written like a model on
 * the command line (`itemknn`, `graph-ppr:beta=1`); `a|b` takes the first of a and b that applies
 * to the data (`sasrec-text|sasrec`: the text variant where the catalog has text). Parameters are
 * chosen on the validation holdout from the model's grid, and fits are shared with the rest of an
 * evaluation through the fit cache.
 */
import { seededSample } from '../core/sample.js';
import { topK } from '../core/top-k.js';
import { historyOf } from '../data/interactions.js';
import { fitShared } from '../models/fit-cache.js';
import { modelRef, type ModelRef } from '../models/registry.js';
import { ModelNotApplicable, type ParamValue, type Recommender } from '../models/types.js';
import type { CandidateSet } from './candidates.js';
import { idealDcg } from './learn.js';
import type { Holdout } from './holdout.js';

export interface ChosenChannel {
  /** The reference that applied (one alternative of the configured entry). */
  label: string;
  ref: ModelRef;
  params: Record<string, ParamValue>;
  /** Validation NDCG@10 of the chosen parameters (NaN without a search). */
  validNdcg: number;
}

/** Splits `a|b,c` (or `a|b+c`, which fits in a command-line model reference) into entries of alternatives. */
export function parseChannels(text: string): string[][] {
  return text.split(/[,+]/).map((e) => e.split('|').map((a) => a.trim()).filter(Boolean)).filter((e) => e.length > 0);
}

/** As many validation users as the evaluation harness searches with (the same seeded sample), so both pick alike. */
const TUNE_USERS = 5_000;

/**
 * Picks each entry's first applicable alternative and its parameters (the best validation
 * NDCG@10 over the grid when `tune`), fitted on the holdout's training part.
 */
export async function chooseChannels(
  entries: string[][],
  holdout: Holdout,
  options: { seed: number; tune: boolean; log: (line: string) => void },
): Promise<{ chosen: ChosenChannel[]; skipped: string[] }> {
  const chosen: ChosenChannel[] = [];
  const skipped: string[] = [];
  const users = holdout.users.length > TUNE_USERS ? sampleGroups(holdout.users.length, TUNE_USERS, options.seed) : undefined;
  for (const alternatives of entries) {
    let found: ChosenChannel | undefined;
    const reasons: string[] = [];
    for (const label of alternatives) {
      const ref = modelRef(label);
      const grid = options.tune && ref.grid.length > 1 ? ref.grid : [ref.fixed];
      try {
        let best: ChosenChannel | undefined;
        for (const params of grid) {
          const model = await fitShared(ref.spec, params, holdout.train, options.seed);
          const ndcg = grid.length > 1 ? holdoutNdcg(model, holdout, users) : NaN;
          if (!best || ndcg > best.validNdcg) best = { label, ref, params, validNdcg: ndcg };
        }
        found = best;
        break;
      } catch (error) {
        if (!(error instanceof ModelNotApplicable)) throw error;
        reasons.push(error.message);
      }
    }
    if (found) {
      chosen.push(found);
      options.log(`  fusion channel ${found.label} ${JSON.stringify(found.params)}${Number.isNaN(found.validNdcg) ? '' : ` validation ndcg@10 ${found.validNdcg.toFixed(4)}`}`);
    } else {
      skipped.push(`${alternatives.join('|')}: ${reasons.join('; ')}`);
    }
  }
  return { chosen, skipped };
}

/** A seeded sample of `n` of 0..count-1 (the harness's draw of validation users), ascending. */
export function sampleGroups(count: number, n: number, seed: number): Int32Array {
  return Int32Array.from(seededSample(Array.from({ length: count }, (_, i) => i), n, seed)).sort();
}

/** Mean NDCG@10 of one model over holdout groups (all, or the given ones). */
function holdoutNdcg(model: Recommender, holdout: Holdout, groups?: Int32Array): number {
  const n = holdout.train.numItems;
  const scores = new Float32Array(n);
  const exclude = new Uint8Array(n);
  const target = new Uint8Array(n);
  const count = groups ? groups.length : holdout.users.length;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const g = groups ? (groups[i] as number) : i;
    const u = holdout.users[g] as number;
    const history = historyOf(holdout.train.sequences, u);
    model.score(u, history, scores);
    for (const item of history) exclude[item] = 1;
    const t0 = holdout.targetPtr[g] as number;
    const t1 = holdout.targetPtr[g + 1] as number;
    for (let t = t0; t < t1; t++) target[holdout.targets[t] as number] = 1;
    const top = topK(scores, 10, exclude);
    let dcg = 0;
    for (let r = 0; r < top.items.length; r++) if (target[top.items[r] as number] === 1) dcg += 1 / Math.log2(r + 2);
    sum += dcg / idealDcg(t1 - t0);
    for (const item of history) exclude[item] = 0;
    for (let t = t0; t < t1; t++) target[holdout.targets[t] as number] = 0;
  }
  return count > 0 ? sum / count : 0;
}

/** Scores one user with every channel and adds each channel's top `depth` (history excluded) to `set`. */
export class ChannelRecall {
  private readonly buffer: Float32Array;
  private readonly exclude: Uint8Array;

  constructor(
    readonly models: readonly Recommender[],
    readonly numItems: number,
    readonly depth: number,
  ) {
    this.buffer = new Float32Array(numItems);
    this.exclude = new Uint8Array(numItems);
  }

  /**
   * One channel's top k for a user, the history excluded: from the model's own index where it has
   * one (approximate, for large catalogs: the serving path), else by scoring every item.
   */
  one(channel: number, user: number, history: Int32Array, k: number): { items: Int32Array; scores: Float32Array } {
    for (const item of history) if (item >= 0 && item < this.numItems) this.exclude[item] = 1;
    const model = this.models[channel] as Recommender;
    let top = model.topK?.(user, history, k, this.exclude);
    if (!top) {
      model.score(user, history, this.buffer);
      top = topK(this.buffer, k, this.exclude);
    }
    for (const item of history) if (item >= 0 && item < this.numItems) this.exclude[item] = 0;
    return top;
  }

  recall(user: number, history: Int32Array, set: CandidateSet): void {
    set.reset();
    for (const item of history) if (item >= 0 && item < this.numItems) this.exclude[item] = 1;
    for (let c = 0; c < this.models.length; c++) {
      (this.models[c] as Recommender).score(user, history, this.buffer);
      const top = topK(this.buffer, this.depth, this.exclude);
      set.addList(c, top.items, top.scores);
    }
    for (const item of history) if (item >= 0 && item < this.numItems) this.exclude[item] = 0;
  }
}
