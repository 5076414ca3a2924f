import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Item } from '../core/schema.js';
import { Csr } from '../data/csr.js';
import { trainDataFromPairs } from '../data/interactions.js';
import { KgLightGcn, knowledgeEdges } from './kg-lightgcn.js';
import { normalizedAdjacency } from './lightgcn-graph.js';
import { LightGcn } from './lightgcn.js';
import type { ItemContent, TrainData } from './types.js';

function item(id: string, fields: Partial<Item> = {}): Item {
  return { id, available: true, createdAt: '2020-01-01T00:00:00Z', updatedAt: '2020-01-01T00:00:00Z', ...fields };
}

function content(itemIds: string[], records: Item[], triples: ItemContent['triples'] = []): ItemContent {
  return {
    texts: itemIds.map(() => ''),
    vectors: () => Promise.reject(new Error('no vectors in this test')),
    itemIds,
    records,
    triples,
  };
}

/**
 * Two brands of three items each, every user loyal to one brand; item 6 (brand A) and item 7 (a
 * brand of its own) have no interactions. Only the brand entity can tell item 6 from item 7.
 */
function brands(): TrainData {
  const pairs: [number, number][] = [];
  for (let u = 0; u < 12; u++) {
    const base = u % 2 === 0 ? 0 : 3;
    for (let k = 0; k < 3; k++) if ((u + k) % 4 !== 0) pairs.push([u, base + k]);
  }
  const data = trainDataFromPairs(pairs, 12, 8);
  const ids = Array.from({ length: 8 }, (_, i) => `p${i}`);
  const brandOf = (i: number) => (i < 3 || i === 6 ? 'Acme' : i < 6 ? 'Bolt' : 'Lone');
  return { ...data, content: content(ids, ids.map((id, i) => item(id, { brand: brandOf(i) }))) };
}

const SMALL = { factors: 16, layers: 3, iterations: 60, learningRate: 0.02, regularization: 1e-4, batchSize: 64, threads: 1 };

describe('KgLightGcn', () => {
  it('turns shared brands and external links into item–entity edges, dropping one-edge entities', () => {
    const c = content(
      ['a', 'b', 'c'],
      [item('a', { brand: 'Acme' }), item('b', { brand: 'Acme' }), item('c', { brand: 'Solo' })],
      [
        { head: 'item:a', relation: 'same_as', tail: 'm.1' },
        { head: 'item:c', relation: 'same_as', tail: 'm.3' },
        { head: 'm.1', relation: 'film.director', tail: 'm.9' },
        { head: 'm.3', relation: 'film.director', tail: 'm.9' },
        { head: 'm.3', relation: 'film.writer', tail: 'm.8' },
      ],
    );
    const edges = knowledgeEdges(c, 3, 0.25);
    // Entities kept: brand Acme (a, b) and director m.9 (a and c through their links); Solo and m.8 have one edge each.
    assert.equal(edges.entities, 2);
    const pairs = Array.from(edges.from, (f, e) => [f, edges.to[e] as number].sort((x, y) => x - y).join('-')).sort();
    // Entities are numbered after the items in the graph's order: Acme is 3, m.9 is 4.
    assert.deepEqual(pairs, ['0-3', '0-4', '1-3', '2-4']);
    assert.ok(edges.weights.every((w) => w === 0.25));
    assert.equal(edges.itemEdges, 4);
    assert.equal(knowledgeEdges(undefined, 3, 0.25).from.length, 0);
  });

  it('normalises the weighted graph by weighted degrees (1 user, 2 items, 1 entity)', () => {
    // u0–i0 (1), i0–e0 (w), i1–e0 (w): d(u0) = 1, d(i0) = 1 + w, d(i1) = w, d(e0) = 2w.
    const w = 0.5;
    const matrix = Csr.fromTriplets(1, 2, Int32Array.of(0), Int32Array.of(0), Float32Array.of(1));
    const adj = normalizedAdjacency(matrix, { entities: 1, from: Int32Array.of(0, 1), to: Int32Array.of(2, 2), weights: Float32Array.of(w, w) });
    assert.equal(adj.nodes, 4);
    const at = (r: number, c: number) => {
      for (let p = adj.indptr[r] as number; p < (adj.indptr[r + 1] as number); p++) if (adj.indices[p] === c) return adj.values[p] as number;
      return 0;
    };
    const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-7, `${a} ≠ ${b}`);
    close(at(0, 1), 1 / Math.sqrt(1 + w));
    close(at(1, 3), w / Math.sqrt((1 + w) * 2 * w));
    close(at(3, 1), at(1, 3));
    close(at(2, 3), w / Math.sqrt(w * 2 * w));
    close(at(2, 0), 0);
    assert.throws(() => normalizedAdjacency(matrix, { entities: 1, from: Int32Array.of(0), to: Int32Array.of(3), weights: Float32Array.of(1) }), RangeError);
  });

  it('scores a cold item above an unconnected cold item when it shares a brand with what the user liked', async () => {
    const data = brands();
    for (const seed of [1, 2, 3]) {
      const model = new KgLightGcn({ ...SMALL, factWeight: 0.5 });
      await model.fit(data, { seed });
      const out = new Float32Array(data.numItems);
      for (const user of [0, 2, 4]) {
        model.score(user, new Int32Array(0), out);
        assert.ok((out[6] as number) > (out[7] as number), `seed ${seed}, user ${user}: cold Acme item ${out[6]} ≤ lone item ${out[7]}`);
        assert.ok((out[6] as number) > (out[3] as number), `seed ${seed}, user ${user}: cold Acme item ${out[6]} ≤ Bolt item ${out[3]}`);
      }
    }
  });

  it('is LightGCN when factWeight is 0, and a snapshot scores the same', async () => {
    const data = brands();
    const model = new KgLightGcn({ ...SMALL, iterations: 5, factWeight: 0.5 });
    await model.fit(data, { seed: 4 });
    const snapshot = structuredClone(model.save());
    assert.equal(snapshot.model, 'kg-lightgcn');
    assert.equal(snapshot.params.factWeight, 0.5);
    const loaded = KgLightGcn.load(snapshot);
    assert.deepEqual(loaded.params, model.params);
    const a = new Float32Array(data.numItems);
    const b = new Float32Array(data.numItems);
    for (const [user, history] of [[3, Int32Array.of(1)], [-1, Int32Array.of(1, 6)]] as const) {
      model.score(user, history, a);
      loaded.score(user, history, b);
      assert.deepEqual(b, a);
    }
    model.similar(6, a);
    loaded.similar(6, b);
    assert.deepEqual(b, a);

    const plain = new KgLightGcn({ ...SMALL, iterations: 5, factWeight: 0, coldNegatives: true });
    const reference = new LightGcn({ ...SMALL, iterations: 5 });
    await plain.fit(data, { seed: 4 });
    await reference.fit(data, { seed: 4 });
    assert.deepEqual(plain.itemEmbeddings, reference.itemEmbeddings);
    assert.notDeepEqual(model.itemEmbeddings, reference.itemEmbeddings);
    assert.throws(() => new KgLightGcn({ factWeight: -1 }), RangeError);
    assert.throws(() => KgLightGcn.load({ ...snapshot, params: { ...snapshot.params, factWeight: 'x' } }), TypeError);
  });
});
