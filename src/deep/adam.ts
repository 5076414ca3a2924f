/** The optimiser of the deep models. */
/** Adam (Kingma & Ba 2015, Algorithm 1) over a flat parameter array. */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly rate: number,
    /** Decoupled weight decay (AdamW). */
    private readonly decay = 0,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  step(theta: Float64Array, grad: Float64Array): void {
    const beta1 = 0.9;
    const beta2 = 0.999;
    this.t++;
    const stepSize = (this.rate * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    const shrink = 1 - this.rate * this.decay;
    const { m, v } = this;
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i] as number;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
      const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      theta[i] = (theta[i] as number) * shrink - (stepSize * mi) / (Math.sqrt(vi) + 1e-8);
    }
  }
}
