/**
 * A small seeded pseudo-random generator for the demo shop: the sfc32 core (`core/sfc32.ts`)
 * seeded by hashing a text key with xmur3.
 *
 * The state updates use only 32-bit integer arithmetic (`Math.imul`, shifts, `| 0`), so a seed gives
 * the same stream on every platform and Node version; the derived distributions (normal, gamma) go
 * through `Math.log`/`Math.cos`, which V8 computes with its own portable fdlibm port.
 */
import { Sfc32 } from '../../core/sfc32.js';

/** xmur3 (bryc, "PRNG shootout"): a string hash that yields as many well-mixed 32-bit words as asked. */
function xmur3(text: string): () => number {
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    h ^= h >>> 16;
    return h >>> 0;
  };
}

/** A deterministic random stream. Not for anything secret. */
export class Random extends Sfc32 {
  /** `key` names the stream; `fork` derives child keys from it. */
  constructor(readonly key: string) {
    const seed = xmur3(key);
    // The first outputs of sfc32 still show the seed's structure; the reference code discards them.
    super([seed(), seed(), seed(), seed()], 15);
  }

  /** Uniform integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Uniform real in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(array: readonly T[]): T {
    if (array.length === 0) throw new RangeError('pick: the array is empty');
    return array[Math.floor(this.next() * array.length)] as T;
  }

  /**
   * An index drawn with probability proportional to its weight, in O(n). For many draws from the same
   * weights build an `AliasTable` instead.
   */
  weightedPick(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i] as number;
    if (!(total > 0)) throw new RangeError('weightedPick: the weights must have a positive sum');
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    // Rounding can leave r at a hair above zero; the last positive weight takes it.
    for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i;
    return weights.length - 1;
  }

  /** exp(N(mu, sigma)): the median is exp(mu). */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Gamma(shape, 1) by Marsaglia & Tsang 2000; shapes below 1 use the u^(1/shape) boost. */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(1 - this.next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** A Dirichlet draw: normalised gammas. A small alpha concentrates the mass on few components. */
  dirichlet(alpha: ArrayLike<number>): Float64Array {
    const out = new Float64Array(alpha.length);
    let total = 0;
    for (let i = 0; i < alpha.length; i++) {
      out[i] = this.gamma(alpha[i] as number);
      total += out[i] as number;
    }
    // All-zero draws are possible in floating point for tiny alphas; fall back to one component.
    if (!(total > 0)) {
      out[this.int(0, alpha.length - 1)] = 1;
      return out;
    }
    for (let i = 0; i < out.length; i++) (out[i] as number) /= total;
    return out;
  }

  /** Fisher–Yates, in place; returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /**
   * An independent stream named `label`. It depends only on this stream's key and the label, not on
   * how many numbers were drawn here, so adding draws to one part of the generator leaves the
   * others unchanged.
   */
  fork(label: string): Random {
    return new Random(`${this.key}/${label}`);
  }
}

/** The stream for a numeric or text seed. */
export function createRandom(seed: number | string): Random {
  return new Random(`shopfusion:${String(seed)}`);
}

/**
 * Walker's alias method as built by Vose (1991, "A linear algorithm for generating random numbers
 * with a given distribution"): O(n) to build, O(1) per draw. Used for every hot weighted draw
 * (item popularity, user activity).
 */
export class AliasTable {
  readonly size: number;
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError('AliasTable: no weights');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i] as number;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`AliasTable: weight ${i} is ${w}; weights must be finite and >= 0`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('AliasTable: the weights must have a positive sum');
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let ns = 0;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = ((weights[i] as number) * n) / total;
      if ((scaled[i] as number) < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns] as number;
      const l = large[--nl] as number;
      this.prob[s] = scaled[s] as number;
      this.alias[s] = l;
      scaled[l] = (scaled[l] as number) + (scaled[s] as number) - 1;
      if ((scaled[l] as number) < 1) small[ns++] = l;
      else large[nl++] = l;
    }
    // What is left is 1 up to rounding.
    while (nl > 0) this.prob[large[--nl] as number] = 1;
    while (ns > 0) this.prob[small[--ns] as number] = 1;
  }

  /** An index in [0, size) with probability proportional to its weight. */
  sample(rng: Random): number {
    const x = rng.next() * this.size;
    const i = Math.floor(x);
    return x - i < (this.prob[i] as number) ? i : (this.alias[i] as number);
  }
}
