import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Analyzer } from '../text/analyzer.js';
import { Accumulator, LexicalIndex, type FieldSpec, type FieldTexts } from './lexical-index.js';
import { DEFAULT_LEXICAL_PARAMS, LexicalSearcher, type LexicalHit } from './lexical-search.js';

/** No stemming: the terms are the words, so the expected numbers below can be worked out by hand. */
const plain = new Analyzer({ stemming: false });

function close(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `${message ?? ''} ${actual} ≠ ${expected}`);
}

/** Item id → score and word mask of one term accumulated into a fresh accumulator. */
function accumulated(index: LexicalIndex, term: string, weight = 1, bit = 1): Map<string, { score: number; mask: number }> {
  const acc = new Accumulator();
  const id = index.termIds.get(term);
  if (id !== undefined) index.accumulate(id, weight, bit, acc);
  const out = new Map<string, { score: number; mask: number }>();
  for (let i = 0; i < acc.count; i++) {
    const d = acc.touched[i] as number;
    out.set(index.ids[d] as string, { score: acc.scores[d] as number, mask: acc.masks[d] as number });
  }
  return out;
}

function scores(index: LexicalIndex, term: string): Record<string, number> {
  return Object.fromEntries([...accumulated(index, term)].map(([id, v]) => [id, v.score]).sort());
}

/** BM25 saturation with k1 = 1.2. */
const sat = (tf: number) => (tf * 2.2) / (tf + 1.2);

describe('LexicalIndex: BM25F by hand', () => {
  // title: weight 1, b 0.75; brand: weight 2, b 0.5.
  const fields: FieldSpec[] = [
    { name: 'title', weight: 1, b: 0.75 },
    { name: 'brand', weight: 2, b: 0.5 },
  ];
  const index = new LexicalIndex(plain, { fields });
  index.upsertMany([
    { id: 'a', texts: { title: 'red shoe red', brand: 'acme' } }, // title 3 words, brand 1
    { id: 'b', texts: { title: 'blue shoe', brand: 'shoe co' } }, // title 2, brand 2
    { id: 'c', texts: { title: 'green hat' } }, // title 2, brand 0
  ]);
  // Average lengths: title 7/3, brand 3/3 = 1.
  // Title norm of a: 1 / (0.25 + 0.75·3/(7/3)) = 1 / (34/28) = 14/17; of b: 1 / (0.25 + 0.75·2/(7/3)) = 28/25.
  // Brand norm of a (1 word): 2 / (0.5 + 0.5·1/1) = 2; of b (2 words): 2 / (0.5 + 0.5·2/1) = 4/3.

  it('scores a term in one field: idf · saturated pseudo-tf', () => {
    const idfShoe = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)); // ln 1.6
    const got = scores(index, 'shoe');
    assert.deepEqual(Object.keys(got), ['a', 'b']);
    close(got.a as number, idfShoe * sat(14 / 17), 'a');
    // b has "shoe" in the title and in the brand: the pseudo-tf sums both fields before saturation.
    close(got.b as number, idfShoe * sat(28 / 25 + 4 / 3), 'b');
    close(index.idf(index.termIds.get('shoe') as number), Math.log(1.6));
  });

  it('counts a repeated word twice, and a short brand field by its own weight and b', () => {
    const idfOne = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5)); // ln(8/3)
    close(scores(index, 'red').a as number, idfOne * sat(2 * (14 / 17)));
    close(scores(index, 'acme').a as number, idfOne * sat(2));
    assert.equal(index.documentFrequency(index.termIds.get('red') as number), 1);
  });

  it('multiplies by the variant weight and ORs the word bits into the mask', () => {
    const acc = new Accumulator();
    index.accumulate(index.termIds.get('red') as number, 0.5, 1, acc);
    index.accumulate(index.termIds.get('shoe') as number, 1, 2, acc);
    const a = index.numberOf('a') as number;
    const b = index.numberOf('b') as number;
    close(acc.scores[a] as number, 0.5 * Math.log(8 / 3) * sat(28 / 17) + Math.log(1.6) * sat(14 / 17));
    assert.deepEqual([acc.masks[a], acc.masks[b], acc.count], [3, 2, 2]);
    acc.reset();
    assert.deepEqual([acc.scores[a], acc.masks[a], acc.count], [0, 0, 0]);
  });

  it('keeps each item\'s terms in reading order with a mark before each field', () => {
    const t = (w: string) => index.termIds.get(w) as number;
    assert.deepEqual([...index.sequence(index.numberOf('b') as number)], [-1, t('blue'), t('shoe'), -2, t('shoe'), t('co')]);
  });
});

describe('LexicalIndex: updates', () => {
  const items: Array<{ id: string; texts: FieldTexts }> = [
    { id: 'p1', texts: { title: 'cordless drill kit', brand: 'dewalt', description: 'a drill with two batteries' } },
    { id: 'p2', texts: { title: 'hammer drill', brand: 'milwaukee', categories: 'tools power' } },
    { id: 'p3', texts: { title: 'copper pipe fitting', categories: 'plumbing' } },
    { id: 'p4', texts: { title: 'drill bit set', brand: 'dewalt', attributes: 'steel' } },
    { id: 'p5', texts: { title: 'garden hose long hose', description: 'rubber' } },
  ];
  const terms = ['drill', 'dewalt', 'hose', 'pipe', 'tools', 'steel', 'batteries', 'kit'];

  it('an upsert is scored at once under the averages of its time; merge refreshes them', () => {
    const index = new LexicalIndex(plain, { fields: [{ name: 'title', weight: 1 }] });
    index.upsert('a', { title: 'red shoe' }); // average length 2: norm 1 / (0.25 + 0.75·2/2) = 1
    index.upsert('b', { title: 'shoe' }); // average 3/2: norm 1 / (0.25 + 0.75·1/1.5) = 4/3
    const idf = Math.log(1 + 0.5 / 2.5); // N 2, df 2
    let got = scores(index, 'shoe');
    close(got.a as number, idf * sat(1), 'a in the tail');
    close(got.b as number, idf * sat(4 / 3), 'b in the tail');
    index.merge();
    got = scores(index, 'shoe');
    close(got.a as number, idf * sat(1 / (0.25 + (0.75 * 2) / 1.5)), 'a merged'); // 0.8
    close(got.b as number, idf * sat(4 / 3), 'b merged');
  });

  it('item by item then merged scores exactly as upsertMany', () => {
    const bulk = new LexicalIndex(plain);
    bulk.upsertMany(items);
    const single = new LexicalIndex(plain);
    for (const { id, texts } of items) single.upsert(id, texts);
    // Before the merge the first items were normalised by the averages of a smaller catalog.
    assert.notDeepEqual(scores(single, 'drill'), scores(bulk, 'drill'));
    single.merge();
    for (const term of terms) {
      const want = scores(bulk, term);
      const got = scores(single, term);
      assert.deepEqual(Object.keys(got), Object.keys(want), term);
      for (const id of Object.keys(want)) close(got[id] as number, want[id] as number, `${term} ${id}`);
    }
  });

  it('an upsert of the same id replaces the item: df, size and matches follow', () => {
    const index = new LexicalIndex(plain);
    index.upsertMany(items);
    const df = (w: string) => index.documentFrequency(index.termIds.get(w) as number);
    assert.deepEqual([index.size, df('drill'), df('dewalt')], [5, 3, 2]);
    const before = index.numberOf('p1');
    index.upsert('p1', { title: 'garden shovel' });
    assert.notEqual(index.numberOf('p1'), before);
    assert.equal(index.isLive(before as number), false);
    assert.deepEqual([index.size, df('drill'), df('dewalt'), df('shovel'), df('garden')], [5, 2, 1, 1, 2]);
    assert.deepEqual(Object.keys(scores(index, 'drill')), ['p2', 'p4']);
    assert.deepEqual(Object.keys(scores(index, 'shovel')), ['p1']);
    assert.deepEqual(Object.keys(scores(index, 'batteries')), [], 'the old text no longer matches');
    // The same after the tail is merged into the segment.
    index.merge();
    assert.deepEqual(Object.keys(scores(index, 'drill')), ['p2', 'p4']);
    assert.deepEqual(Object.keys(scores(index, 'garden')), ['p1', 'p5']);
  });

  it('remove drops the item from size, df and every posting list', () => {
    const index = new LexicalIndex(plain);
    index.upsertMany(items);
    assert.equal(index.remove('p4'), true);
    assert.equal(index.remove('p4'), false);
    assert.equal(index.remove('unknown'), false);
    assert.equal(index.size, 4);
    assert.equal(index.numberOf('p4'), undefined);
    assert.equal(index.documentFrequency(index.termIds.get('steel') as number), 0);
    assert.equal(index.documentFrequency(index.termIds.get('drill') as number), 2);
    assert.deepEqual(Object.keys(scores(index, 'dewalt')), ['p1']);
    assert.deepEqual(Object.keys(scores(index, 'steel')), []);
    // idf follows the live count: N = 4, df = 2.
    close(index.idf(index.termIds.get('drill') as number), Math.log(1 + 2.5 / 2.5));
  });

  it('after removals and replacements a merge scores exactly as a fresh index of the live items', () => {
    const index = new LexicalIndex(plain);
    index.upsertMany(items);
    index.remove('p4');
    index.upsert('p2', { title: 'impact drill', brand: 'makita', description: 'drill drill' });
    index.merge();
    const fresh = new LexicalIndex(plain);
    fresh.upsertMany([...items.filter((i) => i.id !== 'p4' && i.id !== 'p2'), { id: 'p2', texts: { title: 'impact drill', brand: 'makita', description: 'drill drill' } }]);
    for (const term of [...terms, 'impact', 'makita']) {
      const want = scores(fresh, term);
      const got = scores(index, term);
      assert.deepEqual(Object.keys(got), Object.keys(want), term);
      for (const id of Object.keys(want)) close(got[id] as number, want[id] as number, `${term} ${id}`);
    }
  });

  it('snapshot → restore gives the same ids, sequences and scores, and takes new items', () => {
    const index = new LexicalIndex(plain);
    index.upsertMany(items);
    index.remove('p3');
    index.upsert('p6', { title: 'pipe wrench', brand: 'ridgid' });
    const copy = LexicalIndex.restore(plain, index.snapshot());
    assert.equal(copy.size, index.size);
    assert.deepEqual(copy.ids.map((id, d) => (copy.isLive(d) ? id : '')), index.ids.map((id, d) => (index.isLive(d) ? id : '')));
    for (const id of ['p1', 'p2', 'p4', 'p5', 'p6']) {
      const d = index.numberOf(id) as number;
      assert.equal(copy.numberOf(id), d);
      assert.deepEqual([...copy.sequence(d)], [...index.sequence(d)]);
    }
    assert.equal(copy.numberOf('p3'), undefined);
    for (const term of [...terms, 'wrench', 'ridgid', 'fitting']) {
      assert.deepEqual(scores(copy, term), scores(index, term), term);
      const t = index.termIds.get(term) as number;
      assert.equal(copy.documentFrequency(t), index.documentFrequency(t), term);
    }
    copy.upsert('p7', { title: 'pipe cutter' });
    assert.deepEqual(Object.keys(scores(copy, 'pipe')), ['p6', 'p7']);
    assert.deepEqual(Object.keys(scores(copy, 'cutter')), ['p7']);
  });
});

/** A searcher over titles only (weight 1, b 0.75) with unstemmed terms. */
function titles(list: Record<string, string>, synonyms?: ReadonlyMap<string, readonly string[]>): LexicalSearcher {
  const index = new LexicalIndex(plain, { fields: [{ name: 'title', weight: 1 }] });
  index.upsertMany(Object.entries(list).map(([id, title]) => ({ id, texts: { title } })));
  return new LexicalSearcher(index, DEFAULT_LEXICAL_PARAMS, synonyms);
}

const idsOf = (s: LexicalSearcher, hits: LexicalHit[]) => hits.map((h) => s.index.ids[h.doc] as string);

describe('LexicalSearcher', () => {
  it('an item with every query word outranks one with a higher BM25 on one word', () => {
    // "belt" is common (low idf), "leather" rare and repeated in the boots' title.
    const s = titles({ boots: 'leather leather leather boots', belt: 'leather belt brown strap', x1: 'belt buckle', x2: 'belt loop', x3: 'belt hook' });
    // Precondition: plain BM25F (coverage exponent 0, no phrase boost) puts the boots first.
    const plainBm25 = new LexicalSearcher(s.index, { ...DEFAULT_LEXICAL_PARAMS, coverage: 0, proximity: 0 });
    assert.equal(idsOf(plainBm25, plainBm25.search('leather belt', 10))[0], 'boots');
    // With coverage the belt, which matches both words, comes first.
    const both = s.search('leather belt', 10);
    assert.equal(idsOf(s, both)[0], 'belt');
    const boots = both.find((h) => s.index.ids[h.doc] === 'boots') as LexicalHit;
    const belt = both[0] as LexicalHit;
    assert.ok(boots.bm25 > belt.bm25, 'boots has the higher BM25F');
    // coverage = idf-weighted share of the words matched.
    const idf = (w: string) => s.index.idf(s.index.termIds.get(w) as number);
    close(boots.coverage, idf('leather') / (idf('leather') + idf('belt')));
    assert.equal(belt.coverage, 1);
    // score = bm25 · coverage² · (1 + 0.25 · pairs / (words − 1)); "leather belt" are neighbours in the belt.
    assert.equal(belt.pairs, 1);
    close(belt.score, belt.bm25 * 1.25);
    close(boots.score, boots.bm25 * boots.coverage ** 2);
  });

  it('the item with the words next to each other and in order ranks first (pairs 1 vs 0)', () => {
    // Same words, same length, so the same BM25F; the reversed one is indexed first (lower number wins ties).
    const s = titles({ reversed: 'shoe red leather', phrase: 'red leather shoe', other: 'wooden chair' });
    const hits = s.search('leather shoe', 10);
    assert.deepEqual(idsOf(s, hits), ['phrase', 'reversed']);
    const [phrase, reversed] = hits as [LexicalHit, LexicalHit];
    assert.deepEqual([phrase.pairs, reversed.pairs], [1, 0]);
    close(phrase.bm25, reversed.bm25);
    close(phrase.score / reversed.score, 1.25);
  });

  it('neighbours across a field boundary are not a phrase', () => {
    const index = new LexicalIndex(plain);
    index.upsertMany([
      { id: 'split', texts: { title: 'red leather', brand: 'shoe' } },
      { id: 'joined', texts: { title: 'leather shoe' } },
    ]);
    const s = new LexicalSearcher(index);
    const pairs = Object.fromEntries(s.search('leather shoe', 10).map((h) => [index.ids[h.doc], h.pairs]));
    assert.deepEqual(pairs, { split: 0, joined: 1 });
  });

  it('a misspelt word finds the item through a typo variant; with typos off it does not', () => {
    const s = titles({ sn: 'running sneakers', hat: 'wool hat' });
    const parsed = s.parse('snaekers');
    assert.deepEqual(
      parsed.variants.map((v) => [s.index.termText[v.term], v.kind, v.weight]),
      [['sneakers', 'typo', DEFAULT_LEXICAL_PARAMS.typo]],
    );
    assert.deepEqual(idsOf(s, s.search('snaekers', 10)), ['sn']);
    assert.deepEqual(s.search('snaekers', 10, { typos: false }), []);
    // Two typos (allowed from 8 letters) weigh typo²: "snneakrs" is one deletion and one insertion away.
    const two = s.parse('snneakrs');
    assert.deepEqual(two.variants.map((v) => [s.index.termText[v.term], v.weight]), [['sneakers', DEFAULT_LEXICAL_PARAMS.typo ** 2]]);
  });

  it('a word that is itself in the vocabulary gets no typo variants (typoKnown 0)', () => {
    const s = titles({ one: 'shoe rack', many: 'shoes box' });
    assert.deepEqual(idsOf(s, s.search('shoe', 10)), ['one']);
    assert.deepEqual(idsOf(s, s.search('shoes', 10)), ['many']);
  });

  it('did-you-mean replaces only the words matched through a typo', () => {
    const s = titles({ sn: 'running sneakers', boot: 'leather boots', boot2: 'rubber boots' });
    assert.equal(s.correction(s.parse('red snaekers')), 'red sneakers');
    assert.equal(s.correction(s.parse('runnign snaekers')), 'running sneakers');
    assert.equal(s.correction(s.parse('running sneakers')), undefined);
    // A word with no match at all stays as written.
    assert.equal(s.correction(s.parse('qqqq snaekers')), 'qqqq sneakers');
  });

  it('prefix: true completes the last word only', () => {
    const s = titles({ sn: 'sneakers blue', sw: 'sweater blue', bl: 'black sneakers' });
    assert.deepEqual(s.search('sneak', 10), [], 'without prefix "sneak" is three edits from "sneakers"');
    assert.deepEqual(idsOf(s, s.search('sneak', 10, { prefix: true })).sort(), ['bl', 'sn']);
    const parsed = s.parse('sneak blu', { prefix: true });
    const kinds = parsed.variants.map((v) => [s.index.termText[v.term], v.kind, v.bits]);
    assert.deepEqual(kinds, [['blue', 'prefix', 2]], 'the first word is not completed');
    assert.equal(parsed.variants[0]?.weight, DEFAULT_LEXICAL_PARAMS.prefix);
  });

  it('completions take words added after an earlier completion, in order', () => {
    const s = titles({ sn: 'sneakers blue' });
    assert.deepEqual(s.completions('sne').map((t) => s.index.termText[t]), ['sneakers']);
    s.index.upsert('sa', { title: 'sneaky sandals' });
    s.index.upsert('sb', { title: 'sneaky snow boots' });
    assert.deepEqual(s.completions('sne').map((t) => s.index.termText[t]), ['sneaky', 'sneakers'], 'most frequent first');
    assert.deepEqual(s.completions('sn').map((t) => s.index.termText[t]).sort(), ['sneakers', 'sneaky', 'snow']);
  });

  it('two neighbouring words match a compound written as one ("deck over" → deckover)', () => {
    const s = titles({ deck: 'premium deckover coating', other: 'wood stain' });
    const parsed = s.parse('deck over');
    assert.deepEqual(parsed.variants.map((v) => [s.index.termText[v.term], v.kind, v.bits]), [['deckover', 'join', 3]]);
    const hits = s.search('deck over', 10);
    assert.deepEqual(idsOf(s, hits), ['deck']);
    assert.equal(hits[0]?.coverage, 1);
  });

  it('synonyms from the constructor map match at the synonym weight', () => {
    const list = { r: 'samsung refrigerator', f: 'fridge magnet', w: 'washer' };
    const without = titles(list);
    const s = titles(list, new Map([['fridge', ['refrigerator']]]));
    assert.deepEqual(idsOf(without, without.search('fridge', 10)), ['f']);
    const hits = s.search('fridge', 10);
    assert.deepEqual(idsOf(s, hits).sort(), ['f', 'r']);
    // Both titles have 2 words and df 1 each: the synonym scores 0.8 of the exact match.
    const r = hits.find((h) => s.index.ids[h.doc] === 'r') as LexicalHit;
    const f = hits.find((h) => s.index.ids[h.doc] === 'f') as LexicalHit;
    close(r.bm25 / f.bm25, DEFAULT_LEXICAL_PARAMS.synonym);
  });

  it('lastMatches: the items whose coverage reaches the share of the best', () => {
    // alpha, beta, gamma each in two items: equal idf, so coverage is the share of words matched.
    const s = titles({ all: 'alpha beta gamma', two: 'alpha beta delta', one: 'gamma omega', none: 'zeta' });
    const set = (parsedQuery: string, share: number, filter?: (doc: number) => boolean) => {
      const parsed = s.parse(parsedQuery);
      s.run(parsed, 10, 200, filter);
      const m = s.lastMatches(parsed, share);
      return { ids: [...m.docs.subarray(0, m.count)].map((d) => s.index.ids[d] as string).sort(), best: m.bestCoverage };
    };
    assert.deepEqual(set('alpha beta gamma', 1).ids, ['all']);
    assert.deepEqual(set('alpha beta gamma', 0.5).ids, ['all', 'two']); // 2/3 ≥ 0.5, 1/3 < 0.5
    assert.deepEqual(set('alpha beta gamma', 0.3).ids, ['all', 'one', 'two']);
    // A filtered item is out, and the best is taken among the rest.
    const all = s.index.numberOf('all') as number;
    const filtered = set('alpha beta gamma', 1, (d) => d !== all);
    assert.deepEqual(filtered.ids, ['two']);
    close(filtered.best, 2 / 3);
  });
});
