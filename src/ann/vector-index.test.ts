import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { Rng } from '../models/random.js';
import { BruteForceIndex, HnswIndex } from './vector-index.js';

function unitVectors(n: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const x = rng.normal();
      out[i * d + j] = x;
      s += x * x;
    }
    for (let j = 0; j < d; j++) out[i * d + j] = (out[i * d + j] as number) / Math.sqrt(s);
  }
  return out;
}

const D = 32;
const N = 3000;
const keys = Int32Array.from({ length: N }, (_, i) => i * 3 + 1);

describe('vector indexes', () => {
  const vectors = unitVectors(N, D, 1);
  const queries = unitVectors(100, D, 2);
  const exact = new BruteForceIndex(D);
  exact.add(keys, vectors);
  const hnsw = new HnswIndex(D);
  hnsw.add(keys, vectors);

  it('brute force returns the true nearest neighbours, best first', () => {
    const q = vectors.subarray(5 * D, 6 * D);
    const found = exact.search(q, 3);
    assert.equal(found.keys[0], keys[5]);
    assert.ok(Math.abs((found.scores[0] as number) - 1) < 1e-5);
    assert.ok((found.scores[1] as number) >= (found.scores[2] as number));
  });

  it('HNSW recall@10 against brute force is at least 0.95', () => {
    let hits = 0;
    for (let q = 0; q < 100; q++) {
      const query = queries.subarray(q * D, q * D + D);
      const truth = new Set(exact.search(query, 10).keys);
      for (const key of hnsw.search(query, 10).keys) if (truth.has(key)) hits++;
    }
    assert.ok(hits / 1000 >= 0.95, `recall ${hits / 1000}`);
  });

  it('filters lose nothing: results satisfy the filter, with the recall of unfiltered search', () => {
    for (const filter of [(key: number) => key % 2 === 0, (key: number) => key % 97 === 0]) {
      let hits = 0;
      for (let q = 0; q < 50; q++) {
        const query = queries.subarray(q * D, q * D + D);
        const got = hnsw.search(query, 10, filter);
        assert.equal(got.keys.length, 10);
        assert.ok(Array.from(got.keys).every(filter));
        const truth = new Set(exact.search(query, 10, filter).keys);
        hits += Array.from(got.keys).filter((k) => truth.has(k)).length;
      }
      assert.ok(hits / 500 >= 0.95, `filtered recall ${hits / 500}`);
    }
    // Fewer matches than k in the whole index: every one of them comes back.
    const rare = (key: number) => key === keys[10] || key === keys[2000] || key === keys[2999];
    assert.deepEqual(Array.from(hnsw.search(queries.subarray(0, D), 10, rare).keys).sort((a, b) => a - b), [keys[10], keys[2000], keys[2999]]);
  });

  it('removes and replaces vectors, and survives save and load', () => {
    const index = new HnswIndex(D);
    index.add(keys.subarray(0, 200), vectors.subarray(0, 200 * D));
    const q = vectors.subarray(7 * D, 8 * D);
    assert.equal(index.search(q, 1).keys[0], keys[7]);
    index.remove([keys[7] as number]);
    assert.notEqual(index.search(q, 1).keys[0], keys[7]);
    assert.equal(index.size, 199);
    index.add([keys[9] as number], q.slice());
    assert.equal(index.search(q, 1).keys[0], keys[9], 'a replaced vector is found by its new content');
    const path = join(mkdtempSync(join(tmpdir(), 'ann-')), 'index.vec');
    index.save(path);
    const loaded = HnswIndex.load(path);
    assert.equal(loaded.size, 199);
    assert.deepEqual(Array.from(loaded.vector(keys[9] as number) ?? []), Array.from(q));
    assert.deepEqual(Array.from(loaded.vector(keys[150] as number) ?? []), Array.from(index.vector(keys[150] as number) ?? []));
    assert.equal(loaded.has(keys[7] as number), false);
    assert.equal(loaded.search(q, 1).keys[0], keys[9]);
    const removed = new BruteForceIndex(D);
    removed.add([1, 2, 3], vectors.subarray(0, 3 * D));
    removed.remove([1]);
    assert.deepEqual(Array.from(removed.search(vectors.subarray(2 * D, 3 * D), 3).keys).sort(), [2, 3]);
  });
});
