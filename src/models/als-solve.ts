/**
 * The numeric kernels of implicit-feedback ALS (Hu, Koren & Volinsky 2008, "Collaborative
 * filtering for implicit feedback datasets"), shared by the in-process path and the worker threads
 * so both compute bit-identical factors. They work on plain typed arrays and allocate nothing per
 * row.
 *
 * Notation (Hu et al. §4): for user u with interactions r_ui, confidence c_ui = 1 + α·r_ui and
 * preference p_ui = 1 where r_ui > 0, c_ui = 1 and p_ui = 0 elsewhere. The user's factor x_u
 * minimises Σ_i c_ui (p_ui − x_uᵀy_i)² + λ‖x_u‖², whose normal equations (eq. 4) are
 *
 *   (YᵀY + Yᵀ(C_u − I)Y + λI) x_u = YᵀC_u p(u).
 *
 * YᵀY + λI is the same for every user and computed once per half-step (the "YᵀY trick"); C_u − I is
 * non-zero only on u's interactions, so a product with the left side costs O(f² + f·n_u).
 */

/** Rows per partial Gram matrix. Fixed, so the summation order does not depend on the thread count. */
export const GRAM_CHUNK = 2048;

/** How many partial Gram matrices a factor matrix of `rows` rows has. */
export function gramChunks(rows: number): number {
  return Math.max(1, Math.ceil(rows / GRAM_CHUNK));
}

/** Rows per tile of `gramChunk`: a tile (64 factors × 4 bytes × 128 rows = 32 KiB) stays in L1. */
const GRAM_TILE = 128;

/**
 * Writes Σ y_r y_rᵀ over rows r of chunk `chunk` of `source` (rows × f, row-major) into
 * `partials` at offset chunk·f². Only entries (a, b) with b >= a - a % 4 are written; `sumGram`
 * reads only the upper triangle. Each tile of rows is swept for two a and four b at a time: eight
 * independent sums per six loads, as in `gramTimesBlock`.
 */
export function gramChunk(source: Float32Array, f: number, chunk: number, partials: Float64Array): void {
  const rows = source.length / f;
  const start = chunk * GRAM_CHUNK;
  const end = Math.min(rows, start + GRAM_CHUNK);
  const base = chunk * f * f;
  partials.fill(0, base, base + f * f);
  for (let tile = start; tile < end; tile += GRAM_TILE) {
    const first = tile * f;
    const last = Math.min(end, tile + GRAM_TILE) * f;
    let a = 0;
    for (; a + 1 < f; a += 2) {
      const row0 = base + a * f;
      const row1 = row0 + f;
      // a is even, so a - a % 4 is also where row a + 1's block of b starts.
      let b = a - (a % 4);
      for (; b + 3 < f; b += 4) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let t0 = 0;
        let t1 = 0;
        let t2 = 0;
        let t3 = 0;
        for (let y = first; y < last; y += f) {
          const y0 = source[y + a] as number;
          const y1 = source[y + a + 1] as number;
          const z0 = source[y + b] as number;
          const z1 = source[y + b + 1] as number;
          const z2 = source[y + b + 2] as number;
          const z3 = source[y + b + 3] as number;
          s0 += y0 * z0;
          s1 += y0 * z1;
          s2 += y0 * z2;
          s3 += y0 * z3;
          t0 += y1 * z0;
          t1 += y1 * z1;
          t2 += y1 * z2;
          t3 += y1 * z3;
        }
        partials[row0 + b] = (partials[row0 + b] as number) + s0;
        partials[row0 + b + 1] = (partials[row0 + b + 1] as number) + s1;
        partials[row0 + b + 2] = (partials[row0 + b + 2] as number) + s2;
        partials[row0 + b + 3] = (partials[row0 + b + 3] as number) + s3;
        partials[row1 + b] = (partials[row1 + b] as number) + t0;
        partials[row1 + b + 1] = (partials[row1 + b + 1] as number) + t1;
        partials[row1 + b + 2] = (partials[row1 + b + 2] as number) + t2;
        partials[row1 + b + 3] = (partials[row1 + b + 3] as number) + t3;
      }
      for (; b < f; b++) {
        let s = 0;
        let t = 0;
        for (let y = first; y < last; y += f) {
          const z = source[y + b] as number;
          s += (source[y + a] as number) * z;
          t += (source[y + a + 1] as number) * z;
        }
        partials[row0 + b] = (partials[row0 + b] as number) + s;
        partials[row1 + b] = (partials[row1 + b] as number) + t;
      }
    }
    for (; a < f; a++) {
      for (let b = a; b < f; b++) {
        let s = 0;
        for (let y = first; y < last; y += f) s += (source[y + a] as number) * (source[y + b] as number);
        partials[base + a * f + b] = (partials[base + a * f + b] as number) + s;
      }
    }
  }
}

/**
 * gram = Σ_k partials_k (in chunk order) + λI, mirrored to a full symmetric matrix (λ = 0 gives
 * the plain Gram matrix, as the loss needs).
 */
export function sumGram(partials: Float64Array, chunks: number, f: number, lambda: number, gram: Float64Array): void {
  gram.fill(0);
  for (let k = 0; k < chunks; k++) {
    const base = k * f * f;
    for (let a = 0; a < f; a++) {
      for (let b = a; b < f; b++) gram[a * f + b] = (gram[a * f + b] as number) + (partials[base + a * f + b] as number);
    }
  }
  for (let a = 0; a < f; a++) {
    gram[a * f + a] = (gram[a * f + a] as number) + lambda;
    for (let b = a + 1; b < f; b++) gram[b * f + a] = gram[a * f + b] as number;
  }
}

/** Rows solved in lockstep, so each load of the Gram matrix serves four vectors. */
const BLOCK = 4;

/** Per-thread work space for `solveRows`: BLOCK vectors each of x, r, p and A·p. */
export interface CgScratch {
  x: Float64Array;
  r: Float64Array;
  p: Float64Array;
  ap: Float64Array;
  rs: Float64Array;
  active: Uint8Array;
}

export function createCgScratch(f: number): CgScratch {
  const v = () => new Float64Array(BLOCK * f);
  return { x: v(), r: v(), p: v(), ap: v(), rs: new Float64Array(BLOCK), active: new Uint8Array(BLOCK) };
}

/** One half-step's inputs: update rows [start, end) of `target` against the fixed `source`. */
export interface SolveRowsInput {
  /** The factors being solved for (rows × f), updated in place; the current values warm-start CG. */
  target: Float32Array;
  /** The fixed factors of the other side (n × f). */
  source: Float32Array;
  factors: number;
  /** sourceᵀsource + λI, full symmetric f × f. */
  gram: Float64Array;
  /** The interactions of the target rows: row t's entries index rows of `source`. */
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  alpha: number;
  cgSteps: number;
  start: number;
  end: number;
}

/**
 * Updates each target row with `cgSteps` steps of the conjugate gradient method started from its
 * current value (Takács, Pilászy & Tikk 2011, "Applications of the conjugate gradient method for
 * implicit feedback collaborative filtering", Algorithm 2; implicit's `cg_steps`). CG minimises the
 * row's quadratic over a Krylov subspace that contains the starting point, so no step raises the
 * objective: the full loss never increases across a half-step.
 */
export function solveRows(input: SolveRowsInput, scratch: CgScratch): void {
  const { target, source, gram, indptr, indices, values, alpha, cgSteps } = input;
  const f = input.factors;
  const { x, r, p, ap, rs, active } = scratch;
  // Rows go in blocks of BLOCK that share the products with the Gram matrix; every other operation
  // is per row, and a row's arithmetic does not depend on its neighbours in the block, so the
  // result is the same however the rows are split between threads.
  for (let first = input.start; first < input.end; first += BLOCK) {
    const count = Math.min(BLOCK, input.end - first);
    for (let k = 0; k < BLOCK; k++) {
      const xk = k * f;
      if (k < count) for (let a = 0; a < f; a++) x[xk + a] = target[(first + k) * f + a] as number;
      else x.fill(0, xk, xk + f);
    }
    // r = YᵀC_u p(u) − A x = −(YᵀY + λI) x + Σ_i (c_ui − (c_ui − 1) y_iᵀx) y_i
    gramTimesBlock(gram, x, r, f);
    for (let k = 0; k < BLOCK; k++) {
      const vk = k * f;
      if (k >= count) {
        active[k] = 0;
        continue;
      }
      for (let a = 0; a < f; a++) r[vk + a] = -(r[vk + a] as number);
      const u = first + k;
      addInteractions(r, x, vk, source, indices, values, indptr[u] as number, indptr[u + 1] as number, alpha, true, f);
      let rsOld = 0;
      for (let a = 0; a < f; a++) {
        const ra = r[vk + a] as number;
        p[vk + a] = ra;
        rsOld += ra * ra;
      }
      rs[k] = rsOld;
      active[k] = rsOld >= 1e-20 ? 1 : 0;
    }
    for (let step = 0; step < cgSteps; step++) {
      if ((active[0] as number) + (active[1] as number) + (active[2] as number) + (active[3] as number) === 0) break;
      // ap = A p = (YᵀY + λI) p + Σ_i (c_ui − 1)(y_iᵀp) y_i, never forming A.
      gramTimesBlock(gram, p, ap, f);
      for (let k = 0; k < count; k++) {
        if (active[k] === 0) continue;
        const vk = k * f;
        const u = first + k;
        addInteractions(ap, p, vk, source, indices, values, indptr[u] as number, indptr[u + 1] as number, alpha, false, f);
        let pAp = 0;
        for (let a = 0; a < f; a++) pAp += (p[vk + a] as number) * (ap[vk + a] as number);
        if (!(pAp > 0)) {
          active[k] = 0;
          continue;
        }
        const rsOld = rs[k] as number;
        const length = rsOld / pAp;
        let rsNew = 0;
        for (let a = 0; a < f; a++) {
          x[vk + a] = (x[vk + a] as number) + length * (p[vk + a] as number);
          const ra = (r[vk + a] as number) - length * (ap[vk + a] as number);
          r[vk + a] = ra;
          rsNew += ra * ra;
        }
        if (rsNew < 1e-20) {
          active[k] = 0;
          continue;
        }
        const beta = rsNew / rsOld;
        for (let a = 0; a < f; a++) p[vk + a] = (r[vk + a] as number) + beta * (p[vk + a] as number);
        rs[k] = rsNew;
      }
    }
    for (let k = 0; k < count; k++) {
      for (let a = 0; a < f; a++) target[(first + k) * f + a] = x[k * f + a] as number;
    }
  }
}

/**
 * out_k = G v_k for the BLOCK vectors v_k stored one after another in `v` (f × f matrix G). Two rows
 * of G against four vectors at a time: eight independent sums per six loads hide the
 * floating-point add latency (about 1.6 times the speed of one vector at a time in V8). Each
 * output is still one sum over b in order, so it does not depend on the other vectors.
 */
function gramTimesBlock(g: Float64Array, v: Float64Array, out: Float64Array, f: number): void {
  const f2 = 2 * f;
  const f3 = 3 * f;
  let a = 0;
  for (; a + 1 < f; a += 2) {
    const r0 = a * f;
    const r1 = r0 + f;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let t0 = 0;
    let t1 = 0;
    let t2 = 0;
    let t3 = 0;
    for (let b = 0; b < f; b++) {
      const g0 = g[r0 + b] as number;
      const g1 = g[r1 + b] as number;
      const v0 = v[b] as number;
      const v1 = v[f + b] as number;
      const v2 = v[f2 + b] as number;
      const v3 = v[f3 + b] as number;
      s0 += g0 * v0;
      s1 += g0 * v1;
      s2 += g0 * v2;
      s3 += g0 * v3;
      t0 += g1 * v0;
      t1 += g1 * v1;
      t2 += g1 * v2;
      t3 += g1 * v3;
    }
    out[a] = s0;
    out[f + a] = s1;
    out[f2 + a] = s2;
    out[f3 + a] = s3;
    out[a + 1] = t0;
    out[f + a + 1] = t1;
    out[f2 + a + 1] = t2;
    out[f3 + a + 1] = t3;
  }
  for (; a < f; a++) {
    for (let k = 0; k < BLOCK; k++) {
      let s = 0;
      for (let b = 0; b < f; b++) s += (g[a * f + b] as number) * (v[k * f + b] as number);
      out[k * f + a] = s;
    }
  }
}

/**
 * The interaction terms of one row, added to out[o..o+f) for the vector v[o..o+f), over entries
 * [from, to) of the row (item i with value r_i, c_i − 1 = α·r_i):
 *
 *   residual (`rhs` true):  Σ_i (c_i − (c_i − 1) y_iᵀv) y_i   (the row's part of b − A v)
 *   product  (`rhs` false): Σ_i (c_i − 1)(y_iᵀv) y_i          (the row's part of A v)
 *
 * Four interactions at a time: their four dot products share the loads of v and run as
 * independent sums, and the update of `out` is one load and store per four rows of `source`.
 */
function addInteractions(
  out: Float64Array,
  v: Float64Array,
  o: number,
  source: Float32Array,
  indices: Int32Array,
  values: Float32Array,
  from: number,
  to: number,
  alpha: number,
  rhs: boolean,
  f: number,
): void {
  let e = from;
  for (; e + 3 < to; e += 4) {
    const y0 = (indices[e] as number) * f;
    const y1 = (indices[e + 1] as number) * f;
    const y2 = (indices[e + 2] as number) * f;
    const y3 = (indices[e + 3] as number) * f;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    for (let a = 0; a < f; a++) {
      const va = v[o + a] as number;
      d0 += (source[y0 + a] as number) * va;
      d1 += (source[y1 + a] as number) * va;
      d2 += (source[y2 + a] as number) * va;
      d3 += (source[y3 + a] as number) * va;
    }
    const c0 = alpha * (values[e] as number);
    const c1 = alpha * (values[e + 1] as number);
    const c2 = alpha * (values[e + 2] as number);
    const c3 = alpha * (values[e + 3] as number);
    const w0 = rhs ? 1 + c0 - c0 * d0 : c0 * d0;
    const w1 = rhs ? 1 + c1 - c1 * d1 : c1 * d1;
    const w2 = rhs ? 1 + c2 - c2 * d2 : c2 * d2;
    const w3 = rhs ? 1 + c3 - c3 * d3 : c3 * d3;
    for (let a = 0; a < f; a++) {
      out[o + a] =
        (out[o + a] as number) +
        (w0 * (source[y0 + a] as number) + w1 * (source[y1 + a] as number) + (w2 * (source[y2 + a] as number) + w3 * (source[y3 + a] as number)));
    }
  }
  for (; e < to; e++) {
    const y = (indices[e] as number) * f;
    let d = 0;
    for (let a = 0; a < f; a++) d += (source[y + a] as number) * (v[o + a] as number);
    const c = alpha * (values[e] as number);
    const w = rhs ? 1 + c - c * d : c * d;
    for (let a = 0; a < f; a++) out[o + a] = (out[o + a] as number) + w * (source[y + a] as number);
  }
}

/**
 * The part of Hu et al.'s objective (eq. 3) that the rows [0, rows) of `x` contribute, without the
 * regularisation term: Σ_u Σ_i c_ui (p_ui − x_uᵀy_i)² over all items i. With s = x_uᵀy_i, the
 * unobserved items add Σ_i s² = x_uᵀ(YᵀY)x_u over all i, corrected on the observed ones by
 * c_ui(1 − s)² − s², so the cost is O(f²) per user plus O(f) per interaction.
 */
export function weightedError(
  x: Float32Array,
  y: Float32Array,
  f: number,
  plainGram: Float64Array,
  matrix: { indptr: Int32Array; indices: Int32Array; data: Float32Array },
  alpha: number,
): number {
  const rows = x.length / f;
  let total = 0;
  for (let u = 0; u < rows; u++) {
    const xu = u * f;
    let quad = 0;
    for (let a = 0; a < f; a++) {
      const row = a * f;
      let s = 0;
      for (let b = 0; b < f; b++) s += (plainGram[row + b] as number) * (x[xu + b] as number);
      quad += s * (x[xu + a] as number);
    }
    total += quad;
    for (let e = matrix.indptr[u] as number; e < (matrix.indptr[u + 1] as number); e++) {
      const yi = (matrix.indices[e] as number) * f;
      let s = 0;
      for (let a = 0; a < f; a++) s += (x[xu + a] as number) * (y[yi + a] as number);
      const c = 1 + alpha * (matrix.data[e] as number);
      total += c * (1 - s) * (1 - s) - s * s;
    }
  }
  return total;
}

/**
 * Solves A z = b in place for symmetric positive definite A (f × f, row-major) by Cholesky
 * decomposition: A is overwritten by its factor L (lower triangle), b by z. A pivot that rounding
 * drove to zero or below is clamped to a tiny positive value rather than failing.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, f: number): void {
  for (let j = 0; j < f; j++) {
    let d = a[j * f + j] as number;
    for (let k = 0; k < j; k++) d -= (a[j * f + k] as number) * (a[j * f + k] as number);
    const ljj = Math.sqrt(d > 1e-12 ? d : 1e-12);
    a[j * f + j] = ljj;
    for (let i = j + 1; i < f; i++) {
      let s = a[i * f + j] as number;
      for (let k = 0; k < j; k++) s -= (a[i * f + k] as number) * (a[j * f + k] as number);
      a[i * f + j] = s / ljj;
    }
  }
  // L w = b, then Lᵀ z = w.
  for (let i = 0; i < f; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (a[i * f + k] as number) * (b[k] as number);
    b[i] = s / (a[i * f + i] as number);
  }
  for (let i = f - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let k = i + 1; k < f; k++) s -= (a[k * f + i] as number) * (b[k] as number);
    b[i] = s / (a[i * f + i] as number);
  }
}

/** The interactions of one side in CSR form (row t's entries index rows of the other side). */
export interface AlsRows {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/**
 * Everything one fit shares between the threads. When threads are used, every array here lives in
 * a SharedArrayBuffer, so the workers read and write the same factors without copies.
 */
export interface AlsShared {
  factors: number;
  alpha: number;
  cgSteps: number;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  byUser: AlsRows;
  byItem: AlsRows;
  /** The current half-step's Gram matrix of the fixed side, λI included. */
  gram: Float64Array;
  /** gramChunks(max(users, items)) partial Gram matrices, f² each. */
  partials: Float64Array;
}

/** Which factor matrix a task works on: `users` = the user factors. */
export type AlsSide = 'users' | 'items';

/**
 * One unit of a half-step. `gram`: partial Gram matrices of chunks [from, to) of that side's
 * factors. `solve`: CG updates of rows [from, to) of that side against the other side's factors.
 */
export interface AlsTask {
  op: 'gram' | 'solve';
  side: AlsSide;
  from: number;
  to: number;
}

/** Runs one task, in-process or on a worker thread: the same code either way. */
export function runAlsTask(shared: AlsShared, task: AlsTask, scratch: CgScratch): void {
  const f = shared.factors;
  const own = task.side === 'users' ? shared.userFactors : shared.itemFactors;
  if (task.op === 'gram') {
    for (let k = task.from; k < task.to; k++) gramChunk(own, f, k, shared.partials);
    return;
  }
  const rows = task.side === 'users' ? shared.byUser : shared.byItem;
  solveRows(
    {
      target: own,
      source: task.side === 'users' ? shared.itemFactors : shared.userFactors,
      factors: f,
      gram: shared.gram,
      indptr: rows.indptr,
      indices: rows.indices,
      values: rows.values,
      alpha: shared.alpha,
      cgSteps: shared.cgSteps,
      start: task.from,
      end: task.to,
    },
    scratch,
  );
}
