import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze, foldText } from './analyze.js';
import { Bm25Index } from './bm25.js';

describe('text analysis', () => {
  it('folds case, accents and width, drops stop words and one-letter words, keeps numbers', () => {
    assert.equal(foldText('Crème BRÛLÉE Ｔｏｒｃｈ'), 'creme brulee torch');
    assert.deepEqual(analyze('The Crème brûlée torch, 2 x AA batteries & a case'), ['creme', 'brulee', 'torch', '2', 'aa', 'batteries', 'case']);
  });

  it('splits CJK runs into characters and bigrams, mixed runs by script', () => {
    assert.deepEqual(analyze('纯棉T恤'), ['纯', '纯棉', '棉', '恤']);
    assert.deepEqual(analyze('iphone手机壳'), ['iphone', '手', '手机', '机', '机壳', '壳']);
  });
});

describe('BM25 index', () => {
  it('scores a query as Okapi BM25 does (hand-computed on a three-document corpus)', () => {
    const docs = [['red', 'shirt'], ['red', 'red', 'dress', 'long'], ['blue', 'jeans']];
    const index = Bm25Index.build(docs, { k1: 1.2, b: 0.75 });
    const out = new Float32Array(3);
    const red = index.terms.get('red') as number;
    index.score([red], [1], 1, out);
    // idf(red) = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)); avg length 8/3.
    const idf = Math.log(1 + 1.5 / 2.5);
    const avg = 8 / 3;
    const w = (tf: number, len: number) => (tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * len) / avg));
    assert.ok(Math.abs((out[0] as number) - idf * w(1, 2)) < 1e-6);
    assert.ok(Math.abs((out[1] as number) - idf * w(2, 4)) < 1e-6);
    assert.equal(out[2], 0);
  });

  it('saves and loads to the same scores; documentTerms lists each document\'s terms', () => {
    const index = Bm25Index.build([['a1', 'b2'], ['b2', 'c3'], ['c3']]);
    const { terms, arrays } = index.save();
    const loaded = Bm25Index.load(terms, arrays, index.numDocs);
    const q = [index.terms.get('b2') as number, index.terms.get('c3') as number];
    const a = new Float32Array(3);
    const b = new Float32Array(3);
    index.score(q, [1, 0.5], 2, a);
    loaded.score(q, [1, 0.5], 2, b);
    assert.deepEqual(a, b);
    assert.deepEqual(index.documentTerms().map((t) => [...t].map((id) => [...index.terms.keys()][id]).sort()), [['a1', 'b2'], ['b2', 'c3'], ['c3']]);
  });
});
