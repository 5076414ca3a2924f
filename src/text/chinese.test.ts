/**
 * Chinese analysis on real e-commerce text (../shared/datasets/chinese-text): 501 JD.com titles with
 * hand-labelled entity spans, and 1,000 Taobao queries. See that folder's SOURCE.md.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LexicalIndex } from '../search/lexical-index.js';
import { LexicalSearcher } from '../search/lexical-search.js';
import { Analyzer } from './analyzer.js';
import { createWordSegmenter, type WordSegmenter } from './segment.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const datasets = resolve(repoRoot, process.env.SHOPFUSION_DATASETS ?? '../shared/datasets');
const dir = join(datasets, 'chinese-text');
const skip = existsSync(dir) ? false : `dataset folder ${dir} is absent (set SHOPFUSION_DATASETS to the shared datasets folder)`;

interface Entity {
  /** UTF-16 offsets into the title. */
  start: number;
  end: number;
  /** Anonymised label; "4" is the product-type noun. */
  type: string;
  text: string;
}

interface LabelledTitle {
  title: string;
  entities: Entity[];
}

const PRODUCT_TYPE = '4';

function readTitles(): LabelledTitle[] {
  return readFileSync(join(dir, 'titles_entities.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabelledTitle);
}

const percent = (share: number) => `${(100 * share).toFixed(1)}%`;

/** Share of entity spans whose start and end both fall on word boundaries of `segmenter.cut`. */
function spanAgreement(titles: readonly LabelledTitle[], segmenter: WordSegmenter): { agree: number; total: number } {
  let agree = 0;
  let total = 0;
  for (const { title, entities } of titles) {
    const words = segmenter.cut(title);
    // The contract: segments in order, covering the text with no gap or overlap.
    assert.equal(words.map((w) => w.word).join(''), title);
    words.forEach((w, i) => assert.equal(w.start, i === 0 ? 0 : words[i - 1]?.end));
    const boundaries = new Set<number>(words.flatMap((w) => [w.start, w.end]));
    for (const e of entities) {
      total++;
      if (boundaries.has(e.start) && boundaries.has(e.end)) agree++;
    }
  }
  return { agree, total };
}

describe('Chinese titles (JD.com, labelled entity spans)', { skip }, () => {
  const titles = skip ? [] : readTitles();

  it('has 501 titles whose spans cut out their entity text', () => {
    assert.equal(titles.length, 501);
    for (const { title, entities } of titles) for (const e of entities) assert.equal(title.slice(e.start, e.end), e.text);
  });

  it('jieba word boundaries agree with ≥ 90% of entity spans', (t) => {
    const { agree, total } = spanAgreement(titles, createWordSegmenter({ engine: 'jieba' }));
    t.diagnostic(`jieba: ${agree} of ${total} spans (${percent(agree / total)}) start and end on word boundaries`);
    assert.ok(agree / total >= 0.9, `${percent(agree / total)}`);
  });

  it('Intl.Segmenter word boundaries agree with ≥ 95% of entity spans', (t) => {
    const { agree, total } = spanAgreement(titles, createWordSegmenter({ engine: 'intl' }));
    t.diagnostic(`Intl.Segmenter: ${agree} of ${total} spans (${percent(agree / total)}) start and end on word boundaries`);
    assert.ok(agree / total >= 0.95, `${percent(agree / total)}`);
  });

  it('a query made of a title\'s product-type word (and one more of its entities) finds it', (t) => {
    const analyzer = new Analyzer({ segmenter: createWordSegmenter({ engine: 'jieba' }) });
    const index = new LexicalIndex(analyzer);
    index.upsertMany(titles.map(({ title }, i) => ({ id: String(i), texts: { title } })));
    const searcher = new LexicalSearcher(index);
    const finds = (query: string, i: number, k: number) => searcher.search(query, k).some((h) => index.ids[h.doc] === String(i));

    let withType = 0;
    let alone = 0;
    let paired = 0;
    let mentions = 0;
    let matched = 0;
    titles.forEach(({ entities }, i) => {
      for (const e of entities) {
        if (e.type !== PRODUCT_TYPE) continue;
        mentions++;
        // Every item containing the word matches it: the title must be among all matches.
        if (finds(e.text, i, titles.length)) matched++;
      }
      const type = entities.find((e) => e.type === PRODUCT_TYPE);
      if (!type) return;
      withType++;
      const other = entities.find((e) => e.type !== PRODUCT_TYPE && e.text !== type.text && e.text.trim() !== '');
      if (finds(type.text, i, 10)) alone++;
      if (finds(other ? `${other.text} ${type.text}` : type.text, i, 10)) paired++;
    });
    t.diagnostic(`product-type words matching their own title at any depth: ${matched} of ${mentions} (${percent(matched / mentions)})`);
    t.diagnostic(`title in the top 10 for its product-type word alone: ${alone} of ${withType} (${percent(alone / withType)})`);
    t.diagnostic(`title in the top 10 for another entity word + its product-type word: ${paired} of ${withType} (${percent(paired / withType)})`);
    assert.ok(withType >= 490, `${withType} titles have a product-type entity`);
    assert.ok(matched / mentions >= 0.95, percent(matched / mentions));
    assert.ok(alone / withType >= 0.8, percent(alone / withType));
    assert.ok(paired / withType >= 0.97, percent(paired / withType));
  });
});

describe('Taobao queries', { skip }, () => {
  it('every query analyses to at least one term, none blank, and keeps every Han character', () => {
    const lines = readFileSync(join(dir, 'taobao-queries-dev.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    assert.equal(lines.length, 1000);
    const analyzer = new Analyzer({ segmenter: createWordSegmenter({ engine: 'jieba' }) });
    for (const line of lines) {
      const [qid, query, ...rest] = line.split('\t');
      assert.ok(qid && /^\d+$/.test(qid) && query !== undefined && rest.length === 0, `line ${JSON.stringify(line)}`);
      const terms = analyzer.terms(query);
      assert.ok(terms.length > 0, `query ${qid} ${JSON.stringify(query)} gave no terms`);
      for (const term of terms) assert.ok(term !== '' && !/\s/u.test(term), `query ${qid}: term ${JSON.stringify(term)}`);
      const kept = terms.join('');
      for (const ch of query.match(/\p{Script=Han}/gu) ?? []) assert.ok(kept.includes(ch), `query ${qid}: ${ch} lost from ${JSON.stringify(query)}`);
    }
  });
});
