import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CONFIG, envName, loadConfig } from './config.js';

function configFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'shopfusion-config-')), 'shopfusion.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

test('defaults alone make a valid, frozen config', () => {
  const config = loadConfig();
  assert.deepEqual(config, DEFAULT_CONFIG);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.server) && Object.isFrozen(config.events.weights));
});

test('precedence: defaults < file < environment < flags', () => {
  const file = configFile({ store: 'sqlite:/tmp/file.db', server: { port: 9000, host: '0.0.0.0' }, events: { weights: { view: 0.5 } } });
  const env = { SHOPFUSION_SERVER_PORT: '9100', SHOPFUSION_EVENTS_WEIGHTS_ADD_TO_CART: '6' };
  const config = loadConfig({ file, env, flags: { server: { port: 9200 } } });
  assert.equal(config.store, 'sqlite:/tmp/file.db');
  assert.equal(config.server.host, '0.0.0.0');
  assert.equal(config.server.port, 9200);
  assert.equal(config.events.weights.view, 0.5);
  assert.equal(config.events.weights.add_to_cart, 6);
  assert.equal(config.events.weights.purchase, DEFAULT_CONFIG.events.weights.purchase);
  assert.equal(loadConfig({ file, env }).server.port, 9100);
  assert.equal(loadConfig({ env: { SHOPFUSION_CONFIG: file } }).server.port, 9000);
});

test('environment names follow the key path', () => {
  assert.equal(envName(['server', 'apiKey']), 'SHOPFUSION_SERVER_API_KEY');
  assert.equal(envName(['events', 'unknownItems']), 'SHOPFUSION_EVENTS_UNKNOWN_ITEMS');
  assert.equal(loadConfig({ env: { SHOPFUSION_DEMO_LOAD_IF_EMPTY: 'false' } }).demo.loadIfEmpty, false);
});

test('unknown keys are rejected, in the file and in the environment', () => {
  assert.throws(() => loadConfig({ file: configFile({ server: { prot: 8080 } }) }), /server\/prot: is not a known field; allowed fields: host, port/);
  assert.throws(() => loadConfig({ file: configFile({ storage: 'x' }) }), /\/storage: is not a known field/);
  assert.throws(() => loadConfig({ env: { SHOPFUSION_SERVER_PROT: '1' } }), /unknown environment variable SHOPFUSION_SERVER_PROT; allowed: .*SHOPFUSION_SERVER_PORT/);
});

test('wrong values name the key and what is allowed', () => {
  assert.throws(() => loadConfig({ env: { SHOPFUSION_SERVER_PORT: 'eighty' } }), /\/server\/port: must be integer, got the string "eighty"/);
  assert.throws(() => loadConfig({ flags: { events: { unknownItems: 'drop' } } }), /must be one of accept, reject/);
  assert.throws(() => loadConfig({ flags: { server: { apiKey: 'short' } } }), /\/server\/apiKey: must NOT have fewer than 16 characters/);
  assert.throws(() => loadConfig({ file: configFile('{ "store": ') }), /is not valid JSON/);
  assert.throws(() => loadConfig({ flags: { server: { readApiKey: 'read-key-0123456789' } } }), /readApiKey is set without server.apiKey/);
  assert.throws(() => loadConfig({ file: '/nonexistent/shopfusion.json' }), /cannot read config file/);
});

test('placements: defaults, file overrides merged per field, new placements, unknown keys rejected', () => {
  const defaults = loadConfig();
  assert.deepEqual(Object.keys(defaults.placements).sort(), ['bought-together', 'home', 'session', 'similar']);
  assert.equal(defaults.placements.similar?.requires, 'item');
  const file = configFile({
    placements: {
      home: { deadlineMs: 40, rules: { brandCap: 2 } },
      deals: { channels: [{ id: 'model/pop', quota: 20, weight: 1 }], normalisation: 'rank', learned: false, deadlineMs: 30, rules: {}, requires: 'user' },
    },
  });
  const config = loadConfig({ file });
  assert.equal(config.placements.home?.deadlineMs, 40);
  assert.equal(config.placements.home?.rules.brandCap, 2);
  assert.deepEqual(config.placements.home?.channels, DEFAULT_CONFIG.placements.home?.channels, 'fields not given keep their defaults');
  assert.equal(config.placements.deals?.normalisation, 'rank');
  assert.throws(
    () => loadConfig({ file: configFile({ placements: { home: { deadlineMS: 10 } } }) }),
    (e: Error & { code?: string }) => e.code === 'invalid_config' && /placements\/home\/deadlineMS: is not a known field/.test(e.message),
  );
  assert.throws(() => loadConfig({ file: configFile({ placements: { home: { channels: [{ id: 'model/als', quota: 0, weight: 1 }] } } }) }), /placements\/home\/channels\/0\/quota/);
  assert.throws(() => loadConfig({ file: configFile({ placements: { home: { normalisation: 'softmax' } } }) }), /placements\/home\/normalisation: must be one of minmax, zscore, rank, rrf/);
});

test('placements: contradictory rules and repeated channels are invalid_config naming the key', () => {
  assert.throws(
    () => loadConfig({ file: configFile({ placements: { similar: { rules: { filters: { priceMin: 10, priceMax: 5 } } } } }) }),
    (e: Error & { code?: string }) => e.code === 'invalid_config' && /placements\.similar\.rules\.filters\.priceMin: must be at most filters\.priceMax/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ file: configFile({ placements: { home: { rules: { pins: [{ itemId: 'a', position: 1 }, { itemId: 'b', position: 1 }] } } } }) }),
    /placements\.home\.rules\.pins\.1\.position/,
  );
  assert.throws(
    () => loadConfig({ file: configFile({ placements: { similar: { channels: [{ id: 'graph/ppr', quota: 5, weight: 1 }, { id: 'graph/ppr', quota: 5, weight: 1 }] } } }) }),
    /placements\.similar\.channels\.1\.id: repeats channel "graph\/ppr"/,
  );
});

test('placements: one environment variable with JSON, merged over the defaults', () => {
  const config = loadConfig({ env: { SHOPFUSION_PLACEMENTS: JSON.stringify({ session: { deadlineMs: 25 } }) } });
  assert.equal(config.placements.session?.deadlineMs, 25);
  assert.equal(config.placements.session?.requires, 'session-or-items');
  assert.throws(() => loadConfig({ env: { SHOPFUSION_PLACEMENTS_HOME_DEADLINE_MS: '5' } }), /unknown environment variable/);
  assert.throws(() => loadConfig({ env: { SHOPFUSION_PLACEMENTS: '{nope' } }), /placements: must be object/);
});

test('search: synonym groups are single words joined by |, from a file or the environment', () => {
  const config = loadConfig({ env: { SHOPFUSION_SEARCH_SYNONYMS: 'fridge|refrigerator, tv|television' } });
  assert.deepEqual(config.search.synonyms, ['fridge|refrigerator', 'tv|television']);
  assert.throws(() => loadConfig({ file: configFile({ search: { synonyms: ['tv|television set'] } }) }), (e: Error & { code?: string }) => e.code === 'invalid_config' && /search\.synonyms\.0.*"television set" has several words/.test(e.message));
  assert.throws(() => loadConfig({ file: configFile({ search: { synonyms: ['fridge||refrigerator'] } }) }), /two or more words joined by \|/);
  assert.throws(() => loadConfig({ file: configFile({ search: { semanticWeight: 2 } }) }), /search\/semanticWeight/);
});
