/** GET /recommend/:placement with a trained `fusion` model: its channels, learned weights and order. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ModelRepository } from '../src/models/repository.js';
import { trainModels } from '../src/models/train.js';
import { buildApp } from '../src/serve/app.js';
import { openStore } from '../src/store/open.js';
import { tempDir, testConfig } from './helpers.js';

interface Body {
  degraded: boolean;
  fallback?: unknown;
  data: Array<{ itemId: string; explain?: { channels: Array<{ channel: string }>; learned?: { fused?: number } } }>;
  stages?: Array<{ stage: string; note?: string; channels?: Array<{ id: string; status: string }> }>;
}

/** Visitors walk the ring c0 → c1 → … → c29 for 6 steps from starts of their own. */
async function ringShop(store: ReturnType<typeof openStore>): Promise<void> {
  await store.items.upsert(Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, brand: `brand-${i % 3}`, price: 5 + i })), 0);
  const events = [];
  for (let u = 0; u < 120; u++) {
    for (let s = 0; s < 6; s++) {
      const item = `c${(u + s) % 30}`;
      events.push({ id: `r${u}-${s}`, userId: `v${u}`, itemId: item, type: 'view' as const, timestamp: 1_700_000_000_000 + u * 1000 + s });
    }
  }
  await store.events.insert(events);
}

describe('GET /recommend/:placement with a trained fusion', () => {
  let app: FastifyInstance;

  before(async () => {
    const dir = join(tempDir(), 'models');
    const config = testConfig({ models: { dir, default: 'itemknn' }, graph: { enabled: false } });
    const store = openStore(config.store);
    await ringShop(store);
    const models = ['itemknn', 'markov', 'pop', 'fusion:channels=markov+itemknn+pop:tuneChannels=false'];
    const trained = await trainModels({ store, repository: new ModelRepository(dir), models, weights: config.events.weights });
    assert.ok(trained.every((t) => t.version !== undefined), JSON.stringify(trained));
    app = await buildApp({ store, config });
  });
  after(async () => app.close());

  test('home runs the fusion channels and its learned scores, and ranks the next ring item first', async () => {
    const res = await app.inject({ method: 'GET', url: '/recommend/session?items=c10,c11,c12&k=3&explain=true' });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<Body>();
    assert.equal(body.fallback, undefined);
    assert.equal(body.degraded, false);
    const recall = body.stages?.find((s) => s.stage === 'recall');
    for (const id of ['fusion/markov', 'fusion/itemknn', 'fusion/pop']) assert.equal(recall?.channels?.find((c) => c.id === id)?.status, 'ok', id);
    assert.match(body.stages?.find((s) => s.stage === 'fusion')?.note ?? '', /learned fusion fusion@/);
    assert.equal(body.data[0]?.itemId, 'c13');
    assert.ok(typeof body.data[0]?.explain?.learned?.fused === 'number', JSON.stringify(body.data[0]?.explain));
    assert.ok(!body.data.some((d) => ['c10', 'c11', 'c12'].includes(d.itemId)));
  });
});
