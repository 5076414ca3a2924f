/**
 * An exact port of the parts of numpy's legacy `np.random.RandomState` that evaluation splits
 * need, so that protocols defined by Python libraries (Microsoft Recommenders, pandas
 * `DataFrame.sample`) select the very same rows here.
 *
 * Sources (numpy ≥ 1.17, unchanged in 2.x):
 * - MT19937: Matsumoto & Nishimura 1998, as in numpy/random/src/mt19937/mt19937.c
 *   (`mt19937_seed` = the reference `init_genrand`, `mt19937_gen`, `mt19937_next`).
 * - Integer seeding: `RandomState._legacy_seeding` calls `mt19937_seed(seed)` for an int seed in
 *   [0, 2^32 - 1] (an array seed would use `init_by_array`; not ported).
 * - `random_interval`: numpy/random/src/legacy/legacy-distributions.c (formerly `rk_interval`).
 * - `shuffle` / `permutation`: numpy/random/mtrand.pyx, `_shuffle_raw`: Fisher–Yates from the end,
 *   `for i in reversed(range(1, n)): j = random_interval(i); swap(i, j)`.
 * - `random_sample`: `mt19937_next_double` = (a >> 5, b >> 6) → (a·2^26 + b) / 2^53.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * numpy's legacy `RandomState` seeded with an integer. The same seed gives the same stream as
 * `np.random.RandomState(seed)` (and `np.random.seed(seed)` for the global state).
 *
 * @example new RandomState(42).permutation(10) // [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]
 */
export class RandomState {
  private readonly key = new Uint32Array(N);
  private pos = N;

  /** @param seed an integer in [0, 2^32 - 1], as numpy requires for the legacy int seed. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`RandomState seed must be an integer in [0, 2^32 - 1], got ${seed}`);
    }
    // init_genrand (Knuth's multiplier 1812433253), all arithmetic mod 2^32.
    let s = seed >>> 0;
    this.key[0] = s;
    for (let i = 1; i < N; i++) {
      s = (Math.imul(1812433253, s ^ (s >>> 30)) + i) >>> 0;
      this.key[i] = s;
    }
    this.pos = N;
  }

  /** Regenerates the 624-word state block (`mt19937_gen`). */
  private generate(): void {
    const key = this.key;
    let y: number;
    let i = 0;
    for (; i < N - M; i++) {
      y = ((key[i] as number) & UPPER_MASK) | ((key[i + 1] as number) & LOWER_MASK);
      key[i] = (key[i + M] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < N - 1; i++) {
      y = ((key[i] as number) & UPPER_MASK) | ((key[i + 1] as number) & LOWER_MASK);
      key[i] = (key[i + (M - N)] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    y = ((key[N - 1] as number) & UPPER_MASK) | ((key[0] as number) & LOWER_MASK);
    key[N - 1] = (key[M - 1] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }

  /** The next raw 32-bit output (`genrand_int32`, numpy's `random_raw` / `next_uint32`). */
  nextUint32(): number {
    if (this.pos === N) this.generate();
    let y = this.key[this.pos++] as number;
    // Tempering.
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits, as `RandomState.random_sample()` / `np.random.rand()`. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * A uniform integer in [0, max] by masked rejection sampling (numpy's legacy `random_interval`):
   * draw 32-bit values, keep the bits of the smallest all-ones mask ≥ max, reject values > max.
   * Only the 32-bit branch is ported, so `max` must be ≤ 0xffffffff.
   */
  interval(max: number): number {
    if (max === 0) return 0;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new RangeError(`interval max must be an integer in [0, 2^32 - 1], got ${max}`);
    }
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /** Shuffles `arr` in place exactly as `RandomState.shuffle` does for a 1-d array. */
  shuffle(arr: Int32Array): void {
    for (let i = arr.length - 1; i >= 1; i--) {
      const j = this.interval(i);
      const t = arr[i] as number;
      arr[i] = arr[j] as number;
      arr[j] = t;
    }
  }

  /** `RandomState.permutation(n)`: a shuffled `arange(n)`. */
  permutation(n: number): Int32Array {
    const arr = new Int32Array(n);
    for (let i = 0; i < n; i++) arr[i] = i;
    this.shuffle(arr);
    return arr;
  }

  /**
   * `RandomState.choice(n, size, replace=False)` with uniform weights, which numpy implements as
   * `permutation(n)[:size]` (also what pandas `DataFrame.sample(frac=1, random_state=seed)` uses).
   */
  choiceWithoutReplacement(n: number, size: number): Int32Array {
    if (size > n) throw new RangeError(`cannot take ${size} of ${n} without replacement`);
    return this.permutation(n).slice(0, size);
  }
}
