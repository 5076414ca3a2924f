/**
 * The models' own seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's "Small Fast
 * Counting" generator from PractRand, 128-bit state), its state filled by splitmix32 from a
 * numeric seed.
 *
 * Models keep their own generator rather than importing the demo shop's (`ingest/demo/random.ts`):
 * that one is keyed by text and forks named streams for the data generator, and its `int` takes an
 * inclusive range. Both extend the same sfc32 core (`core/sfc32.ts`).
 *
 * All state updates use 32-bit integer arithmetic (`Math.imul`, shifts, `| 0`), so a seed gives the
 * same stream on every platform; `normal` goes through `Math.log`/`Math.cos`, which V8 computes with
 * its portable fdlibm port.
 */

import { Sfc32 } from '../core/sfc32.js';

const TWO_POW_32 = 4_294_967_296;

/**
 * splitmix32 (the 32-bit variant of Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
 * generators", with Hash Prospector's finaliser): one well-mixed word per call.
 */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** A deterministic random stream for model training. Not for anything secret. */
export class Rng extends Sfc32 {
  /** Any finite number is a seed; integers up to 2^53 are all distinct streams' seeds. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng: the seed must be a finite number, got ${seed}`);
    // Both 32-bit halves of the seed feed the state, so seeds above 2^32 stay distinct.
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    const state = { s: low };
    state.s = (splitmix32(state) ^ high) | 0;
    // The reference sfc32 seeding discards the first outputs, which still show the seed's structure.
    super([splitmix32(state), splitmix32(state), splitmix32(state), splitmix32(state)], 12);
  }

  /** Uniform integer in [0, n), for 1 <= n <= 2^32 (the bias is below n / 2^32). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `values` in place (Fisher–Yates, from the end); returns them. */
  shuffle<T extends Int32Array | number[]>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = values[i] as number;
      values[i] = values[j] as number;
      values[j] = t;
    }
    return values;
  }

  /** Fills `out` with independent N(0, sd²) draws, in index order; returns `out`. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, sd: number): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(0, sd);
    return out;
  }
}
