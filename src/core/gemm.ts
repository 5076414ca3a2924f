/**
 * Dense matrix products on float64 typed arrays, written for V8: 4 × 4 register tiles, strides for
 * transposes and sub-matrices, no allocation. The numeric kernels of the contrastive trainer and
 * the deep models share them.
 */

/**
 * C += A B for an M × K matrix A and a K × N matrix B, each read through (row, column) strides, into
 * the row-major C (row stride ldc): 4 × 4 register tiles over (row, column), summing over K.
 */
export function gemm(
  M: number,
  N: number,
  K: number,
  a: Float64Array,
  ao: number,
  aRow: number,
  aCol: number,
  b: Float64Array,
  bo: number,
  bRow: number,
  bCol: number,
  c: Float64Array,
  co: number,
  ldc: number,
): void {
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    for (let k = 0; k < N4; k += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let j = 0, pa = ao + i * aRow, pb = bo + k * bCol; j < K; j++, pa += aCol, pb += bRow) {
        const a0 = a[pa] as number, a1 = a[pa + aRow] as number, a2 = a[pa + 2 * aRow] as number, a3 = a[pa + 3 * aRow] as number;
        const b0 = b[pb] as number, b1 = b[pb + bCol] as number, b2 = b[pb + 2 * bCol] as number, b3 = b[pb + 3 * bCol] as number;
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const r0 = co + i * ldc + k;
      const r1 = r0 + ldc;
      const r2 = r1 + ldc;
      const r3 = r2 + ldc;
      c[r0] = (c[r0] as number) + c00; c[r0 + 1] = (c[r0 + 1] as number) + c01;
      c[r0 + 2] = (c[r0 + 2] as number) + c02; c[r0 + 3] = (c[r0 + 3] as number) + c03;
      c[r1] = (c[r1] as number) + c10; c[r1 + 1] = (c[r1 + 1] as number) + c11;
      c[r1 + 2] = (c[r1 + 2] as number) + c12; c[r1 + 3] = (c[r1 + 3] as number) + c13;
      c[r2] = (c[r2] as number) + c20; c[r2 + 1] = (c[r2 + 1] as number) + c21;
      c[r2 + 2] = (c[r2 + 2] as number) + c22; c[r2 + 3] = (c[r2 + 3] as number) + c23;
      c[r3] = (c[r3] as number) + c30; c[r3 + 1] = (c[r3 + 1] as number) + c31;
      c[r3 + 2] = (c[r3 + 2] as number) + c32; c[r3 + 3] = (c[r3 + 3] as number) + c33;
    }
  }
  // The edges: rows past M4 (every column), then columns past N4 of the tiled rows.
  for (let i = 0; i < M; i++) {
    for (let k = i < M4 ? N4 : 0; k < N; k++) {
      let sum = 0;
      for (let j = 0, pa = ao + i * aRow, pb = bo + k * bCol; j < K; j++, pa += aCol, pb += bRow) sum += (a[pa] as number) * (b[pb] as number);
      c[co + i * ldc + k] = (c[co + i * ldc + k] as number) + sum;
    }
  }
}

/** C (M × N) += A (M × K) · B (K × N), all row-major at offsets 0. */
export function matmul(M: number, N: number, K: number, a: Float64Array, b: Float64Array, c: Float64Array): void {
  gemm(M, N, K, a, 0, K, 1, b, 0, N, 1, c, 0, N);
}

/** C (M × N) += A (M × K) · Bᵀ for B stored N × K. */
export function matmulBT(M: number, N: number, K: number, a: Float64Array, b: Float64Array, c: Float64Array): void {
  gemm(M, N, K, a, 0, K, 1, b, 0, 1, K, c, 0, N);
}

/** C (M × N) += Aᵀ · B for A stored K × M and B stored K × N. */
export function matmulAT(M: number, N: number, K: number, a: Float64Array, b: Float64Array, c: Float64Array): void {
  gemm(M, N, K, a, 0, 1, M, b, 0, N, 1, c, 0, N);
}
