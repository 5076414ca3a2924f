/** Writes the generated demo shop into a store, or into JSON Lines files for `import jsonl`. */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Store } from '../../store/types.js';
import { createIngestor, type IngestPolicy } from '../batch.js';
import { silentProgress, type Progress } from '../progress.js';
import { generateDemoShop, type DemoOptions } from './generate.js';

export interface DemoCounts {
  items: number;
  users: number;
  events: number;
}

const BATCH = 10_000;

export async function loadDemoShop(store: Store, policy: IngestPolicy, options: DemoOptions, progress: Progress = silentProgress): Promise<DemoCounts> {
  const shop = generateDemoShop(options);
  const ingest = createIngestor(store, policy);
  const counts = { items: 0, users: 0, events: 0 };
  progress.start('demo', options.events);
  for (let i = 0; i < shop.items.length; i += BATCH) {
    const r = await ingest.upsertItems(shop.items.slice(i, i + BATCH), { pointer: '/items' });
    counts.items += r.created + r.updated + r.unchanged;
  }
  for (let i = 0; i < shop.users.length; i += BATCH) {
    const r = await ingest.upsertUsers(shop.users.slice(i, i + BATCH), { pointer: '/users' });
    counts.users += r.created + r.updated + r.unchanged;
  }
  let batch: unknown[] = [];
  const flush = async () => {
    const r = await ingest.insertEvents(batch, { pointer: '/events' });
    counts.events += r.inserted + r.duplicates;
    batch = [];
    progress.update(counts.events, counts);
  };
  for (const event of shop.events()) {
    batch.push(event);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length) await flush();
  progress.stop();
  return counts;
}

async function writeLines(file: string, rows: Iterable<unknown>): Promise<number> {
  const out = createWriteStream(file);
  let n = 0;
  for (const row of rows) {
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
    n++;
  }
  out.end();
  await once(out, 'finish');
  return n;
}

/** items.jsonl, users.jsonl and events.jsonl in `dir`. */
export async function writeDemoShop(dir: string, options: DemoOptions): Promise<DemoCounts> {
  await mkdir(dir, { recursive: true });
  const shop = generateDemoShop(options);
  return {
    items: await writeLines(join(dir, 'items.jsonl'), shop.items),
    users: await writeLines(join(dir, 'users.jsonl'), shop.users),
    events: await writeLines(join(dir, 'events.jsonl'), shop.events()),
  };
}
