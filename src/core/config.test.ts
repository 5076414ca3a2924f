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
