import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datasetMissing, measureBrandExtraction, measureChineseExtraction, measurePatternCoverage } from './extract-eval.js';

// Thresholds sit below the figures measured with seed 42 (and below the lowest of seeds 1–5).
// Measured (seed 42): Amazon Scientific brand precision 0.905 (first mention 0.924), recall 0.575,
// which is 503 of the 504 held-out items whose brand was learned and is in the title. JD titles:
// held-out product_type precision 0.59 / recall 0.74, known brands found 10 of 11; segmenter alone
// exact-span precision 0.59 (0.72 overlapping) and recall 0.63. Home Depot: 72% of titles yield a
// pattern attribute.

const scientific = 'amazon-unisrec-scientific/Scientific.text';
const jd = 'chinese-text/titles_entities.jsonl';
const homedepot = 'homedepot-search/products.tsv';

describe('attribute extraction on real catalogs', () => {
  it('finds held-out Amazon Scientific brands in titles with a learned gazetteer', { skip: datasetMissing(scientific) }, () => {
    const r = measureBrandExtraction({ seed: 42 });
    assert.equal(r.train + r.test, 4373);
    assert.ok(r.mentions.precision >= 0.85, `brand precision ${r.mentions.precision.toFixed(3)} < 0.85`);
    assert.ok(r.first.precision >= 0.88, `first-brand precision ${r.first.precision.toFixed(3)} < 0.88`);
    assert.ok(r.mentions.recall >= 0.5, `brand recall ${r.mentions.recall.toFixed(3)} < 0.5`);
    // Nearly every brand that is both learned and written in the title is found.
    assert.ok(r.mentions.correct >= 0.95 * r.reachable, `found ${r.mentions.correct} of ${r.reachable} reachable brands`);
  });

  it('extracts product types and learned brands from held-out JD titles', { skip: datasetMissing(jd) }, () => {
    const r = measureChineseExtraction({ seed: 42 });
    assert.equal(r.segmenter, 'jieba');
    const types = r.heldOut.product_type;
    assert.ok(types, 'no product_type predictions');
    assert.ok(types.precision >= 0.5, `product_type precision ${types.precision.toFixed(3)} < 0.5`);
    assert.ok(types.recall >= 0.6, `product_type recall ${types.recall.toFixed(3)} < 0.6`);
    assert.ok(r.knownBrands.gold >= 5 && r.knownBrands.recall >= 0.75, `known brands found ${r.knownBrands.found}/${r.knownBrands.gold}`);
    // The untrained head-noun rule alone, on all 501 titles.
    const s = r.segmenterOnly;
    assert.ok(s.exact.precision >= 0.5, `segmenter exact precision ${s.exact.precision.toFixed(3)} < 0.5`);
    assert.ok(s.overlapPrecision >= 0.62, `segmenter overlap precision ${s.overlapPrecision.toFixed(3)} < 0.62`);
    assert.ok(s.exact.recall >= 0.55, `segmenter recall ${s.exact.recall.toFixed(3)} < 0.55`);
  });

  it('reads quantities from most Home Depot titles (no gold attributes exist there)', { skip: datasetMissing(homedepot) }, () => {
    const r = measurePatternCoverage({ limit: 5_000 });
    assert.equal(r.titles, 5_000);
    assert.ok(r.withAny / r.titles >= 0.6, `only ${r.withAny} of ${r.titles} titles yield a pattern attribute`);
    for (const key of ['size', 'dimensions', 'pack', 'volume', 'weight', 'voltage']) assert.ok((r.byKey[key] ?? 0) > 0, `no ${key} found`);
  });
});
