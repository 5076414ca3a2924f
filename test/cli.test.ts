/** The `shopfusion` command as a user runs it: a child process, its output and exit code. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DATASETS, needsDataset, tempDir } from './helpers.js';

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('shopfusion CLI', () => {
  test('every command has --help', () => {
    const top = cli(['--help']);
    assert.equal(top.code, 0);
    for (const command of ['serve', 'import', 'generate', 'stats']) assert.match(top.stdout, new RegExp(`\\b${command}\\b`));
    assert.match(top.stdout, /SHOPFUSION_SERVER_API_KEY/);
    for (const command of ['serve', 'import', 'generate', 'stats']) {
      const help = cli([command, '--help']);
      assert.equal(help.code, 0, `${command} --help`);
      assert.match(help.stdout, new RegExp(`Usage: shopfusion ${command}`));
    }
    assert.match(cli(['import', '--help']).stdout, /session-csv\s+session clicks/);
  });

  test('generate into files, import them, and read the stats', () => {
    const dir = tempDir();
    const gen = cli(['generate', '--events', '2k', '--seed', '3', '--out', join(dir, 'shop')]);
    assert.equal(gen.code, 0, gen.stderr);
    assert.match(gen.stdout, /2000 events/);
    const store = `sqlite:${join(dir, 'shop.db')}`;
    const imported = cli(['import', 'jsonl', join(dir, 'shop'), '--store', store]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /2,000 events, 0 triples stored/);
    assert.match(imported.stdout, /rejected: 0/);
    const stats = cli(['stats', '--json', '--store', store]);
    assert.equal(JSON.parse(stats.stdout).events.total, 2000);
  });

  test('generate is byte-identical for the same seed and --now', () => {
    const dir = tempDir();
    const args = (out: string) => ['generate', '--events', '1k', '--seed', '9', '--now', '2026-06-01T00:00:00Z', '--out', join(dir, out)];
    assert.equal(cli(args('a')).code, 0);
    assert.equal(cli(args('b')).code, 0);
    for (const file of ['items.jsonl', 'users.jsonl', 'events.jsonl']) {
      assert.equal(readFileSync(join(dir, 'a', file), 'utf8'), readFileSync(join(dir, 'b', file), 'utf8'), file);
    }
    const last = readFileSync(join(dir, 'a', 'events.jsonl'), 'utf8').trim().split('\n').pop() as string;
    assert.ok((JSON.parse(last) as { timestamp: number }).timestamp <= Date.parse('2026-06-01T00:00:00Z'));
  });

  test('MovieLens import reports what it stored', { skip: needsDataset('ml-100k/grouplens') }, () => {
    const store = `sqlite:${join(tempDir(), 'ml.db')}`;
    const result = cli(['import', 'movielens', join(DATASETS, 'ml-100k/grouplens'), '--store', store]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /943 users, 1,682 items, 100,000 events, 0 triples stored/);
  });

  test('mistakes exit non-zero with a message that says what to do', () => {
    const format = cli(['import', 'parquet', '.']);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /unknown import format "parquet"; use one of: jsonl, csv, movielens/);
    const env = cli(['stats'], { SHOPFUSION_SERVER_PROT: '1' });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /unknown environment variable SHOPFUSION_SERVER_PROT/);
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, JSON.stringify({ server: { port: 8080, colour: 'red' } }));
    const config = cli(['stats', '--config', file]);
    assert.equal(config.code, 2);
    assert.match(config.stderr, /\/server\/colour: is not a known field/);
    const events = cli(['generate', '--events', '5']);
    assert.equal(events.code, 2);
    assert.match(events.stderr, /--events must be a count from 1000 to 1000000/);
    const missing = cli(['import', 'movielens', join(tempDir(), 'nothing-here')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /movielens import needs u.item/);
    const option = cli(['serve', '--prot', '1']);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /unknown option '--prot'/);
  });

  test('the version matches package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    assert.equal(cli(['--version']).stdout.trim(), pkg.version);
  });
});
