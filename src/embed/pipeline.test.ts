import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EmbedPool, embedAll } from './pipeline.js';
import { dot } from './types.js';
import { UseLiteEmbedder } from './use-lite.js';

describe('embedding pipeline (worker threads)', () => {
  const texts = Array.from({ length: 14 }, (_, i) => `product ${i}: ${['red shirt', 'garden hose', 'kitchen knife', 'power drill'][i % 4]}`);
  texts[5] = '红色短袖衬衫';
  texts[9] = '   ';
  const pool = new EmbedPool({ provider: 'use-lite' }, 2);
  after(() => pool.close());

  it('gives the vectors of the in-process embedder, in input order, with refused texts reported', async () => {
    const progress: number[] = [];
    const result = await embedAll({ provider: 'use-lite' }, texts, { chunkSize: 3, pool, progress: (done) => progress.push(done) });
    assert.equal(result.embedderId, 'use-lite@0.2.0');
    assert.equal(result.dimensions, 512);
    assert.match(result.errors[5] ?? '', /no Latin letters/);
    assert.match(result.errors[9] ?? '', /empty/);
    assert.equal(result.errors.filter((e) => e !== null).length, 2);
    assert.ok(result.vectors.subarray(5 * 512, 6 * 512).every((x) => x === 0));
    const local = await UseLiteEmbedder.load();
    const ok = texts.flatMap((t, i) => (i === 5 || i === 9 ? [] : [i]));
    const expected = await local.embedBatch(ok.map((i) => texts[i] as string));
    ok.forEach((i, j) => assert.ok(dot(result.vectors.subarray(i * 512, (i + 1) * 512), expected[j] as Float32Array) > 0.9999, `text ${i}`));
    assert.equal(progress.at(-1), texts.length);
    assert.deepEqual([...progress].sort((a, b) => a - b), progress, 'progress only grows');
  });

  it('stops handing out chunks once aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await assert.rejects(embedAll({ provider: 'use-lite' }, texts, { chunkSize: 2, pool, signal: controller.signal }), /stop now/);
  });
});
