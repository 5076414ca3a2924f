/**
 * The models' own seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's "Small Fast
 * Counting" generator from PractRand, 128-bit state), its state filled by splitmix32 from a
 * numeric seed.
 *
 * Models keep their own generator rather than importing the demo shop's (`ingest/demo/random.ts`):
 * that one is keyed by text and forks named streams for the data generator, and its `int` takes an
 * inclusive range; tying model training to it would couple two layers that have no reason to
 * change together. Both use the same sfc32 core, so the quality is the same.
 *
 * All state updates use 32-bit integer arithmetic (`Math.imul`, shifts, `| 0`), so a seed gives the
 * same stream on every platform; `normal` goes through `Math.log`/`Math.cos`, which V8 computes with
 * its portable fdlibm port.
 */

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
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Box–Muller yields normals in pairs; the second waits here. */
  private spare = Number.NaN;

  /** Any finite number is a seed; integers up to 2^53 are all distinct streams' seeds. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng: the seed must be a finite number, got ${seed}`);
    // Both 32-bit halves of the seed feed the state, so seeds above 2^32 stay distinct.
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    const state = { s: low };
    state.s = (splitmix32(state) ^ high) | 0;
    this.a = splitmix32(state);
    this.b = splitmix32(state);
    this.c = splitmix32(state);
    this.d = splitmix32(state);
    // The reference sfc32 seeding discards the first outputs, which still show the seed's structure.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / TWO_POW_32;
  }

  /** Uniform integer in [0, n), for 1 <= n <= 2^32 (the bias is below n / 2^32). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal by Box–Muller (1958), scaled to `mean` and `sd`. */
  normal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = Number.NaN;
      return mean + sd * z;
    }
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with independent N(0, sd²) draws, in index order; returns `out`. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, sd: number): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(0, sd);
    return out;
  }
}
