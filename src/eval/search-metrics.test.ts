import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../models/random.js';
import { editDistance } from '../search/typos.js';
import { gradedNdcg, injectTypo, orderByScore, queryFolds, rocAuc } from './search-metrics.js';

function close(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${message ?? ''} ${actual} ≠ ${expected}`);
}

describe('gradedNdcg', () => {
  // "x" is judged (gain 3) but not retrieved: it still counts in the ideal ranking.
  const gains = new Map([
    ['a', 0],
    ['b', 2],
    ['c', 1],
    ['x', 3],
  ]);

  it('uses linear graded gains with a log2 discount, the ideal from every judged item', () => {
    const ranked = ['a', 'b', 'c', 'd'];
    // DCG@3 = 0/1 + 2/log2 3 + 1/2; ideal@3 = 3/1 + 2/log2 3 + 1/2.
    close(gradedNdcg(ranked, gains, 3), (2 / Math.log2(3) + 0.5) / (3 + 2 / Math.log2(3) + 0.5));
    // @1: the first item has gain 0.
    assert.equal(gradedNdcg(ranked, gains, 1), 0);
    // @10: the ideal takes all four judged gains, the list has no "x".
    close(gradedNdcg(ranked, gains, 10), (2 / Math.log2(3) + 0.5) / (3 + 2 / Math.log2(3) + 0.5 + 0 / Math.log2(5)));
  });

  it('is 1 for the ideal order and 0 when nothing judged is relevant', () => {
    close(gradedNdcg(['x', 'b', 'c', 'a'], gains, 4), 1);
    close(gradedNdcg(['x', 'c', 'b'], gains, 2), (3 + 1 / Math.log2(3)) / (3 + 2 / Math.log2(3)));
    assert.equal(gradedNdcg(['a', 'b'], new Map([['a', 0]]), 5), 0);
    assert.equal(gradedNdcg([], gains, 5), 0);
  });
});

describe('orderByScore', () => {
  it('orders best first and keeps the given order on ties', () => {
    assert.deepEqual(orderByScore(['a', 'b', 'c', 'd'], [0.2, 0.9, 0.2, 0.5]), ['b', 'd', 'a', 'c']);
  });
});

describe('rocAuc', () => {
  /** Share of (positive, negative) pairs where the positive scores higher, ties counting ½. */
  function bruteForce(scores: number[], labels: boolean[]): number {
    let wins = 0;
    let pairs = 0;
    scores.forEach((p, i) => {
      if (!labels[i]) return;
      scores.forEach((n, j) => {
        if (labels[j]) return;
        pairs++;
        wins += p > n ? 1 : p === n ? 0.5 : 0;
      });
    });
    return pairs === 0 ? 0.5 : wins / pairs;
  }

  it('matches small cases worked by hand', () => {
    // Pairs (pos, neg): (0.35, 0.1) win, (0.35, 0.4) loss, (0.8, 0.1) win, (0.8, 0.4) win.
    assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
    // Every score tied: ½.
    assert.equal(rocAuc([1, 1, 1], [true, false, false]), 0.5);
    // One class only: undefined, reported as ½.
    assert.equal(rocAuc([0.1, 0.9], [true, true]), 0.5);
    // Perfect and reversed.
    assert.equal(rocAuc([0.9, 0.8, 0.1], [true, true, false]), 1);
    assert.equal(rocAuc([0.1, 0.2, 0.9], [true, true, false]), 0);
  });

  it('equals a brute-force pair count, with ties, on 300 random cases (seeded)', () => {
    const rng = new Rng(11);
    for (let c = 0; c < 300; c++) {
      const n = 1 + rng.int(25);
      // Few distinct values, so ties are frequent.
      const scores = Array.from({ length: n }, () => rng.int(5) / 4);
      const labels = Array.from({ length: n }, () => rng.int(3) === 0);
      const got = rocAuc(Float64Array.from(scores), labels);
      assert.ok(Math.abs(got - bruteForce(scores, labels)) < 1e-12, `${JSON.stringify(scores)} ${JSON.stringify(labels)}: ${got}`);
    }
  });
});

describe('queryFolds', () => {
  it('balances folds within one query, covers every fold, and is a function of the seed', () => {
    for (const [n, folds] of [
      [10, 3],
      [7, 7],
      [100, 5],
      [2, 4],
    ] as const) {
      const a = queryFolds(n, folds, 42);
      assert.equal(a.length, n);
      const counts = new Array<number>(folds).fill(0);
      for (const f of a) {
        assert.ok(f >= 0 && f < folds);
        counts[f] = (counts[f] as number) + 1;
      }
      // Sizes floor(n / folds) or ceil(n / folds), the larger ones n mod folds of them.
      const sorted = [...counts].sort((x, y) => y - x);
      const expected = Array.from({ length: folds }, (_, i) => Math.floor(n / folds) + (i < n % folds ? 1 : 0));
      assert.deepEqual(sorted, expected, `${n} queries in ${folds} folds`);
      assert.deepEqual([...queryFolds(n, folds, 42)], [...a], 'the same seed gives the same folds');
    }
    const seeds = new Set([1, 2, 3, 4, 5].map((seed) => queryFolds(20, 4, seed).join(',')));
    assert.ok(seeds.size > 1, 'the seed shuffles the assignment');
  });
});

describe('injectTypo', () => {
  // Queries without two equal neighbouring letters, which a swap would leave unchanged.
  const queries = ['black desk lamp', 'usb charger cable', 'red shoe', 'Kühlschrank mit Gefrierfach', 'TV'];

  it('changes exactly one word by exactly one edit, and only a word of four or more letters', () => {
    for (const query of queries) {
      const lengths = new Set<number>();
      for (let seed = 0; seed < 200; seed++) {
        const out = injectTypo(query, new Rng(seed));
        assert.equal(editDistance(query, out, 3), 1, `${query} → ${out} (seed ${seed})`);
        const before = query.split(' ');
        const after = out.split(' ');
        assert.equal(after.length, before.length, `${query} → ${out}`);
        const changed = before.flatMap((w, i) => (w === after[i] ? [] : [w]));
        assert.equal(changed.length, 1, `${query} → ${out}`);
        if (before.some((w) => w.length >= 4)) assert.ok((changed[0] as string).length >= 4, `${query} → ${out}: a short word was changed`);
        lengths.add(out.length - query.length);
      }
      // Deletions, insertions and substitutions/swaps all occur.
      assert.deepEqual([...lengths].sort(), [-1, 0, 1], query);
    }
  });

  it('is deterministic for a seed', () => {
    for (const query of queries) {
      const runs = [0, 1].map(() => Array.from({ length: 20 }, (_, seed) => injectTypo(query, new Rng(seed))));
      assert.deepEqual(runs[0], runs[1]);
      assert.ok(new Set(runs[0]).size > 5, `${query}: seeds give different typos`);
    }
  });

  it('never returns the query unchanged, even where a swap would meet two equal letters', () => {
    for (const query of ['hello balloon', 'aa', 'a b', 'llll']) {
      for (let seed = 0; seed < 300; seed++) {
        const out = injectTypo(query, new Rng(seed));
        assert.equal(editDistance(query, out, 3), 1, `${query} → ${out} (seed ${seed})`);
      }
    }
  });

  it('leaves a query without letters as it is', () => {
    assert.equal(injectTypo('123 456', new Rng(1)), '123 456');
    assert.equal(injectTypo('', new Rng(1)), '');
  });
});
