import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matmul, matmulAT, matmulBT } from './gemm.js';

function random(n: number, seed: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n }, () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648 - 0.5;
  });
}

/** (i, j) of a row-major matrix with `cols` columns, or of its transpose. */
const at = (m: Float64Array, cols: number, i: number, j: number, transposed = false) => (transposed ? (m[j * cols + i] as number) : (m[i * cols + j] as number));

test('matmul, matmulBT and matmulAT agree with the textbook product, edges of the 4 × 4 tiles included', () => {
  for (const [M, N, K] of [[1, 1, 1], [4, 4, 4], [5, 7, 3], [9, 6, 13]] as const) {
    const a = random(M * K, M + 1);
    const b = random(K * N, N + 2);
    const start = random(M * N, 3);
    const naive = (aT: boolean, bT: boolean) =>
      Float64Array.from({ length: M * N }, (_, x) => {
        const i = Math.floor(x / N);
        const j = x % N;
        let sum = start[x] as number;
        for (let k = 0; k < K; k++) sum += at(a, aT ? M : K, i, k, aT) * at(b, bT ? K : N, k, j, bT);
        return sum;
      });
    const close = (got: Float64Array, want: Float64Array) => got.forEach((g, x) => assert.ok(Math.abs(g - (want[x] as number)) < 1e-12, `${M}×${N}×${K} at ${x}`));
    let c = start.slice();
    matmul(M, N, K, a, b, c);
    close(c, naive(false, false));
    c = start.slice();
    matmulBT(M, N, K, a, b, c);
    close(c, naive(false, true));
    c = start.slice();
    matmulAT(M, N, K, a, b, c);
    close(c, naive(true, false));
  }
});
