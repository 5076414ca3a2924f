/**
 * sfc32 (Chris Doty-Humphrey's "Small Fast Counting" generator from PractRand, 128-bit state),
 * the one pseudo-random core of the project; subclasses decide how a seed fills the state (the
 * demo shop hashes a text key, models split a number). State updates use only 32-bit integer
 * arithmetic, so a seed gives the same stream on every platform; `normal` goes through
 * `Math.log`/`Math.cos`, which V8 computes with its portable fdlibm port. Not for anything secret.
 */
const TWO_POW_32 = 4_294_967_296;

export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Box–Muller yields normals in pairs; the second waits here. */
  private spare = Number.NaN;

  /** Four 32-bit state words; the first `discard` outputs, which still show the seed, are dropped. */
  protected constructor(words: readonly [number, number, number, number], discard: number) {
    [this.a, this.b, this.c, this.d] = words;
    for (let i = 0; i < discard; i++) this.next();
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
}
