/**
 * Non-personalised baselines: most popular (number of interactions per item, repeats included,
 * as PopRec counts them) and trending (interactions weighted by exponential time decay, so recent
 * interest outranks old fame).
 */
import type { FitOptions, Recommender, Snapshot, TrainData } from './types.js';

export class Popular implements Recommender {
  readonly name = 'pop';
  readonly params = {};
  private popularity: Float32Array = new Float32Array(0);

  async fit(data: TrainData, _options: FitOptions): Promise<void> {
    const counts = new Float32Array(data.numItems);
    for (const item of data.sequences.items) counts[item] = (counts[item] as number) + 1;
    this.popularity = counts;
  }

  score(_user: number, _history: Int32Array, out: Float32Array): void {
    out.set(this.popularity);
  }

  save(): Snapshot {
    return { model: this.name, params: {}, arrays: { popularity: this.popularity } };
  }

  static load(snapshot: Snapshot): Popular {
    const model = new Popular();
    model.popularity = snapshot.arrays.popularity as Float32Array;
    return model;
  }
}

export interface TrendingOptions {
  /** An event this many days before the newest one counts half. */
  halfLifeDays?: number;
}

export class Trending implements Recommender {
  readonly name = 'trending';
  readonly params: { halfLifeDays: number };
  private trend: Float32Array = new Float32Array(0);

  constructor(options: TrendingOptions = {}) {
    this.params = { halfLifeDays: options.halfLifeDays ?? 7 };
  }

  async fit(data: TrainData, _options: FitOptions): Promise<void> {
    const { items, times } = data.sequences;
    let newest = -Infinity;
    for (let i = 0; i < times.length; i++) newest = Math.max(newest, times[i] as number);
    const rate = Math.LN2 / (this.params.halfLifeDays * 86_400_000);
    const trend = new Float64Array(data.numItems);
    for (let i = 0; i < items.length; i++) {
      trend[items[i] as number] = (trend[items[i] as number] as number) + Math.exp(-rate * (newest - (times[i] as number)));
    }
    this.trend = Float32Array.from(trend);
  }

  score(_user: number, _history: Int32Array, out: Float32Array): void {
    out.set(this.trend);
  }

  save(): Snapshot {
    return { model: this.name, params: this.params, arrays: { trend: this.trend } };
  }

  static load(snapshot: Snapshot): Trending {
    const model = new Trending({ halfLifeDays: snapshot.params.halfLifeDays as number });
    model.trend = snapshot.arrays.trend as Float32Array;
    return model;
  }
}
