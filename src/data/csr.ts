/**
 * Compressed sparse rows in typed arrays: the shape every behaviour model reads. Row r's columns
 * are `indices[indptr[r] .. indptr[r + 1])`, sorted ascending, with their values in `data`.
 */
export class Csr {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly data: Float32Array,
  ) {}

  get nnz(): number {
    return this.indices.length;
  }

  rowLength(r: number): number {
    return (this.indptr[r + 1] as number) - (this.indptr[r] as number);
  }

  /** Views (no copies) of one row's column indices and values. */
  row(r: number): { indices: Int32Array; data: Float32Array } {
    const start = this.indptr[r] as number;
    const end = this.indptr[r + 1] as number;
    return { indices: this.indices.subarray(start, end), data: this.data.subarray(start, end) };
  }

  /**
   * Builds from coordinate triplets; duplicates of one (row, col) are combined by `combine`
   * (sum by default). Columns within each row come out sorted.
   */
  static fromTriplets(
    rows: number,
    cols: number,
    r: Int32Array,
    c: Int32Array,
    v: Float32Array,
    combine: 'sum' | 'max' = 'sum',
  ): Csr {
    const n = r.length;
    const counts = new Int32Array(rows + 1);
    for (let i = 0; i < n; i++) {
      const at = (r[i] as number) + 1;
      counts[at] = (counts[at] as number) + 1;
    }
    for (let i = 0; i < rows; i++) counts[i + 1] = (counts[i + 1] as number) + (counts[i] as number);
    const order = new Int32Array(n);
    const next = counts.slice(0, rows);
    for (let i = 0; i < n; i++) {
      const row = r[i] as number;
      const at = next[row] as number;
      next[row] = at + 1;
      order[at] = i;
    }
    // Sort each row's entries by column, then merge duplicates.
    const indptr = new Int32Array(rows + 1);
    const indices = new Int32Array(n);
    const data = new Float32Array(n);
    let out = 0;
    const scratch: number[] = [];
    for (let row = 0; row < rows; row++) {
      const start = counts[row] as number;
      const end = counts[row + 1] as number;
      scratch.length = 0;
      for (let i = start; i < end; i++) scratch.push(order[i] as number);
      scratch.sort((a, b) => (c[a] as number) - (c[b] as number) || a - b);
      let last = -1;
      for (const t of scratch) {
        const col = c[t] as number;
        const value = v[t] as number;
        if (col === last) {
          data[out - 1] = combine === 'sum' ? (data[out - 1] as number) + value : Math.max(data[out - 1] as number, value);
        } else {
          indices[out] = col;
          data[out] = value;
          out++;
          last = col;
        }
      }
      indptr[row + 1] = out;
    }
    return new Csr(rows, cols, indptr, indices.slice(0, out), data.slice(0, out));
  }

  transpose(): Csr {
    const counts = new Int32Array(this.cols + 1);
    for (let i = 0; i < this.nnz; i++) {
      const at = (this.indices[i] as number) + 1;
      counts[at] = (counts[at] as number) + 1;
    }
    for (let i = 0; i < this.cols; i++) counts[i + 1] = (counts[i + 1] as number) + (counts[i] as number);
    const indptr = counts.slice();
    const next = counts.slice(0, this.cols);
    const indices = new Int32Array(this.nnz);
    const data = new Float32Array(this.nnz);
    for (let r = 0; r < this.rows; r++) {
      for (let p = this.indptr[r] as number; p < (this.indptr[r + 1] as number); p++) {
        const col = this.indices[p] as number;
        const at = next[col] as number;
        next[col] = at + 1;
        indices[at] = r;
        data[at] = this.data[p] as number;
      }
    }
    return new Csr(this.cols, this.rows, indptr, indices, data);
  }

  /** A copy with every value replaced by `f(value)`. */
  map(f: (value: number) => number): Csr {
    const data = new Float32Array(this.nnz);
    for (let i = 0; i < this.nnz; i++) data[i] = f(this.data[i] as number);
    return new Csr(this.rows, this.cols, this.indptr, this.indices, data);
  }
}
