import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chartFileName, renderMarkdown, renderSvgChart, writeReport, type EvalReport } from './report.js';

const report: EvalReport = {
  dataset: 'ml-100k',
  protocol: 'msr',
  results: [
    {
      model: 'als',
      params: { factors: 64, regularization: 0.01 },
      metrics: { 'ndcg@10': 0.41, 'hr@10': 0.9, 'recall@10': 0.2, 'precision@10': 0.35, 'map@10': 0.25, 'ndcg@5': 0.4 },
      fitSeconds: 1.234,
      scoreSeconds: 0.5,
    },
    { model: 'pop<&>', params: {}, metrics: { 'ndcg@10': 0.2, 'hr@10': 0.6 }, fitSeconds: 0.01, training: { epochs: 12, bestEpoch: 7 } },
    { model: 'ease', params: {}, metrics: {}, fitSeconds: 0, skipped: 'item count 50000 above its limit 20000' },
  ],
};

test('markdown has the title, protocol line, main table, skipped models and chart references', () => {
  const md = renderMarkdown(report, { chartDir: 'ml-charts' });
  assert.match(md, /^# ml-100k — protocol `msr`/);
  assert.match(md, /Protocol `msr`: per-user random 75\/25/);
  assert.match(md, /\| model \| ndcg@10 \| hr@10 \| recall@10 \| precision@10 \| mrr@10 \| map@10 \| coverage@10 \| fit s \|/);
  assert.match(md, /\| als \| 0\.4100 \| 0\.9000 \| 0\.2000 \| 0\.3500 \| – \| 0\.2500 \| – \| 1\.23 \|/);
  assert.match(md, /## Skipped\n\n- \*\*ease\*\*: item count 50000 above its limit 20000/);
  assert.match(md, /!\[ndcg@10\]\(ml-charts\/ndcg-at-10\.svg\)/);
  assert.doesNotMatch(md, /mrr-at-10\.svg/); // no result has mrr@10
  assert.match(md, /\| ndcg@5 \| 0\.4000 \| – \|/);
  assert.match(md, /- \*\*pop<&>\*\*: \(defaults\); training: epochs=12, bestEpoch=7/);
});

test('svg chart is standalone, well formed, one bar per model, escaped', () => {
  const svg = renderSvgChart('ndcg@10', [
    { model: 'als', value: 0.41 },
    { model: 'pop<&>', value: 0.2 },
    { model: 'bpr', value: 0 },
  ]);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal(svg.match(/<rect class="bar"/g)?.length, 3);
  assert.ok(svg.includes('pop&lt;&amp;&gt;'));
  assert.ok(!svg.includes('pop<&>'));
  assert.doesNotMatch(svg, /<script|@import|url\(|href=/);
  // Well formed: tags nest properly and the document has one root.
  const stack: string[] = [];
  let roots = 0;
  for (const m of svg.matchAll(/<(\/?)([A-Za-z]+)[^>]*?(\/?)>/g)) {
    const [, close, name = '', selfClose] = m;
    if (close) assert.equal(stack.pop(), name);
    else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    }
  }
  assert.deepEqual(stack, []);
  assert.equal(roots, 1);
});

test('writeReport writes json, md and charts beside each other', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-report-'));
  try {
    const written = await writeReport(report, join(dir, 'ml.json'));
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'ml.json'), 'utf8')), report);
    assert.equal(written.markdown, join(dir, 'ml.md'));
    const md = await readFile(written.markdown, 'utf8');
    const files = (await readdir(join(dir, 'ml-charts'))).sort();
    assert.deepEqual(files, ['hr-at-10.svg', 'map-at-10.svg', 'ndcg-at-10.svg', 'precision-at-10.svg', 'recall-at-10.svg']);
    for (const f of files) assert.ok(md.includes(`(ml-charts/${f})`));
    const svg = await readFile(join(dir, 'ml-charts', chartFileName('ndcg@10')), 'utf8');
    assert.equal(svg.match(/<rect class="bar"/g)?.length, 2); // skipped model has no bar
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
