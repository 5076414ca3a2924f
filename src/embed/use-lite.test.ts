import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ShopfusionError } from '../core/errors.js';
import { dot } from './types.js';
import { UseLiteEmbedder } from './use-lite.js';

describe('use-lite embedder (the bundled Universal Sentence Encoder lite)', () => {
  let embedder: UseLiteEmbedder;
  before(async () => {
    embedder = await UseLiteEmbedder.load({ maxChars: 200 });
  });

  it('puts paraphrases closer than unrelated products, in unit-length 512-d vectors', async () => {
    const [shirt, tee, knife, drill] = await embedder.embedBatch([
      'red cotton t-shirt for men',
      'crimson cotton tee shirt',
      'stainless steel kitchen knife',
      'cordless power drill with battery',
    ]);
    for (const v of [shirt, tee, knife, drill]) {
      assert.equal(v?.length, 512);
      assert.ok(Math.abs(dot(v as Float32Array, v as Float32Array) - 1) < 1e-5);
    }
    assert.ok(dot(shirt!, tee!) > dot(shirt!, knife!) + 0.2);
    assert.ok(dot(shirt!, tee!) > dot(shirt!, drill!) + 0.2);
  });

  it('gives the same vector for a text alone or in a batch, and caches queries', async () => {
    const [inBatch] = await embedder.embedBatch(['garden hose 50 ft', 'other text', 'third text']);
    const alone = await embedder.embedQuery('garden hose 50 ft');
    assert.ok(dot(inBatch!, alone) > 0.9999);
    assert.equal(await embedder.embedQuery('  garden   hose 50 ft '), alone, 'normalised whitespace hits the cache');
  });

  it('truncates long text instead of failing, and refuses what it cannot read', async () => {
    const long = `waterproof hiking boots ${'with extra grip '.repeat(6_000)}`;
    assert.ok(long.length > 90_000);
    const [v] = await embedder.embedBatch([long]);
    assert.equal(v?.length, 512);
    await assert.rejects(embedder.embedBatch(['fine', '   ']), (e: unknown) => e instanceof ShopfusionError && /text 1 is empty/.test(e.message));
    await assert.rejects(embedder.embedQuery('手机三脚架 蓝牙遥控'), /no Latin letters; use-lite embeds English text only/);
    const mixed = await embedder.embedQuery('小米 Xiaomi Bluetooth headphones');
    assert.equal(mixed.length, 512);
  });
});
