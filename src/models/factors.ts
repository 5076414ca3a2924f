/**
 * Small helpers shared by the factor models (ALS, BPR): row norms and cosine similarity over a
 * row-major rows × f factor matrix.
 */

/** The Euclidean norm of each row of a rows × f matrix. */
export function rowNorms(m: Float32Array, f: number): Float32Array {
  const rows = m.length / f;
  const norms = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let a = 0; a < f; a++) s += (m[r * f + a] as number) * (m[r * f + a] as number);
    norms[r] = Math.sqrt(s);
  }
  return norms;
}

/** out[j] = cos(row `item`, row j) of a rows × f matrix with precomputed row norms; 0 for zero rows. */
export function cosineRow(m: Float32Array, norms: Float32Array, f: number, item: number, out: Float32Array): void {
  const rows = norms.length;
  const ni = norms[item] as number;
  const yi = item * f;
  for (let j = 0; j < rows; j++) {
    const nj = norms[j] as number;
    if (!(ni > 0 && nj > 0)) {
      out[j] = 0;
      continue;
    }
    let s = 0;
    for (let a = 0; a < f; a++) s += (m[yi + a] as number) * (m[j * f + a] as number);
    out[j] = s / (ni * nj);
  }
}
