/**
 * An acknowledged write survives a crash: a client streams event batches to a server in a child
 * process, the server is killed with SIGKILL mid-stream, and every event that was answered 2xx
 * must be in the store when it is opened again.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../src/store/open.js';
import { tempDir } from './helpers.js';

const BATCH = 200;
const STREAMS = 4;

function startServer(dbFile: string): Promise<{ port: number; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'serve', '--port', '0', '--no-demo', '--store', `sqlite:${dbFile}`], {
    env: { ...process.env, SHOPFUSION_SERVER_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve({
          port: Number(match[1]),
          kill: async () => {
            child.kill('SIGKILL');
            await exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

test('SIGKILL while clients stream batches loses no acknowledged event', { timeout: 120_000 }, async () => {
  const dbFile = join(tempDir(), 'crash.db');
  const server = await startServer(dbFile);
  const acknowledged = new Set<string>();
  let sent = 0;
  let stop = false;

  async function stream(streamId: number): Promise<void> {
    for (let batch = 0; !stop; batch++) {
      const events = Array.from({ length: BATCH }, (_, i) => ({
        id: `s${streamId}-b${batch}-e${i}`,
        userId: `user-${i % 50}`,
        itemId: `item-${(batch * 7 + i) % 500}`,
        type: 'view',
      }));
      sent += events.length;
      try {
        const res = await fetch(`http://127.0.0.1:${server.port}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ events }),
        });
        if (res.ok) for (const e of events) acknowledged.add(e.id);
        else await res.text();
      } catch {
        return; // the server is gone
      }
    }
  }

  const streams = Array.from({ length: STREAMS }, (_, i) => stream(i));
  // Kill while batches are in flight: after a fair number are acknowledged, without waiting for a lull.
  while (acknowledged.size < 40 * BATCH) await new Promise((r) => setTimeout(r, 5));
  await server.kill();
  stop = true;
  await Promise.all(streams);
  assert.ok(sent > acknowledged.size, 'some batches were in flight or unsent at the kill');

  const store = openStore(`sqlite:${dbFile}`);
  const stored = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await store.events.list({ limit: 1000, cursor });
    for (const e of page.data) stored.add(e.id);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  await store.close();
  const lost = [...acknowledged].filter((id) => !stored.has(id));
  assert.deepEqual(lost, [], `${lost.length} acknowledged events were lost`);
  assert.ok(stored.size >= acknowledged.size);
  // Nothing half-written: every stored batch is whole (one transaction per request).
  const perBatch = new Map<string, number>();
  for (const id of stored) {
    const key = id.slice(0, id.lastIndexOf('-'));
    perBatch.set(key, (perBatch.get(key) ?? 0) + 1);
  }
  for (const [key, count] of perBatch) assert.equal(count, BATCH, `batch ${key} is whole`);
});
