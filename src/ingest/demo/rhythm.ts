/**
 * When shoppers come: an intensity over the event window with a daily curve (quiet at night, a peak
 * in the evening), a weekly one (busier at weekends), slow growth, day-to-day noise and one sale
 * weekend. `timeAt` inverts its cumulative distribution, so evenly spread fractions become session
 * start times that follow the rhythm.
 */
import type { Random } from './random.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const BIN_MS = 10 * MINUTE_MS;

/** Relative traffic by local hour (0..23), read off typical European shop analytics. */
const HOURLY = [
  0.3, 0.18, 0.11, 0.08, 0.07, 0.1, 0.22, 0.42, 0.58, 0.68, 0.74, 0.8,
  0.9, 0.86, 0.8, 0.8, 0.84, 0.95, 1.1, 1.3, 1.45, 1.42, 1.05, 0.6,
];
/** By local day of week, Sunday first. */
const WEEKLY = [1.22, 0.96, 0.92, 0.92, 0.95, 1.0, 1.14];
/** The shop's clock: central European time, without daylight saving (a demo needs no DST). */
const LOCAL_OFFSET_MS = HOUR_MS;

export class Rhythm {
  private readonly cdf: Float64Array;
  private readonly bins: number;

  /** The window [start, end) in epoch ms. */
  constructor(
    rng: Random,
    readonly start: number,
    readonly end: number,
  ) {
    if (!(end > start)) throw new RangeError('Rhythm: the window is empty');
    this.bins = Math.ceil((end - start) / BIN_MS);
    const days = Math.ceil((end - start) / DAY_MS) + 1;
    const dayNoise = new Float64Array(days);
    for (let d = 0; d < days; d++) dayNoise[d] = Math.exp(rng.normal(0, 0.12));
    // A three-day sale about two thirds into the window.
    const saleFrom = start + Math.floor(days * 0.68) * DAY_MS;
    const saleTo = saleFrom + 3 * DAY_MS;
    this.cdf = new Float64Array(this.bins + 1);
    for (let k = 0; k < this.bins; k++) {
      const from = start + k * BIN_MS;
      const width = Math.min(BIN_MS, end - from);
      const mid = from + width / 2;
      const local = mid + LOCAL_OFFSET_MS;
      const hour = (((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
      const h0 = Math.floor(hour);
      const f = hour - h0;
      const daily = (HOURLY[h0] as number) * (1 - f) + (HOURLY[(h0 + 1) % 24] as number) * f;
      const weekly = WEEKLY[new Date(local).getUTCDay()] as number;
      const trend = 0.85 + 0.3 * ((mid - start) / (end - start));
      const noise = dayNoise[Math.floor((mid - start) / DAY_MS)] as number;
      const sale = mid >= saleFrom && mid < saleTo ? 1.7 : 1;
      const intensity = daily * weekly * trend * noise * sale * (width / BIN_MS);
      this.cdf[k + 1] = (this.cdf[k] as number) + intensity;
    }
  }

  /** The time at which a fraction u ∈ [0, 1] of the window's traffic has gone by. Non-decreasing in u. */
  timeAt(u: number): number {
    const total = this.cdf[this.bins] as number;
    const target = Math.min(Math.max(u, 0), 1) * total;
    let lo = 0;
    let hi = this.bins - 1;
    // The last bin k with cdf[k] <= target.
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.cdf[mid] as number) <= target) lo = mid;
      else hi = mid - 1;
    }
    const from = this.start + lo * BIN_MS;
    const width = Math.min(BIN_MS, this.end - from);
    const mass = (this.cdf[lo + 1] as number) - (this.cdf[lo] as number);
    const frac = mass > 0 ? Math.min(1, (target - (this.cdf[lo] as number)) / mass) : 0;
    return Math.min(this.end, from + frac * width);
  }
}
