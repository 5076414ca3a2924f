/**
 * Item vectors for a fixed catalog (an evaluation dataset, a training run): each provider's
 * vectors are computed once through the pipeline and shared by every model that asks.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ItemContent, ItemVectors } from '../models/types.js';
import { embedAll } from './pipeline.js';
import type { EmbedderSpec } from './providers.js';

export interface ContentOptions {
  threads?: number;
  log?: (line: string) => void;
  /**
   * A folder where computed vectors are kept, keyed by provider and a hash of all texts, so that
   * repeated evaluations of one dataset embed it once. A cached file is only used for exactly the
   * same texts and the same embedder id.
   */
  cacheDir?: string;
}

export function itemContent(texts: readonly string[], options: ContentOptions = {}): ItemContent {
  const cache = new Map<string, Promise<ItemVectors>>();
  return {
    texts,
    vectors(provider: string): Promise<ItemVectors> {
      let vectors = cache.get(provider);
      if (!vectors) {
        vectors = embedItems({ provider } as EmbedderSpec, texts, options);
        cache.set(provider, vectors);
      }
      return vectors;
    },
  };
}

async function embedItems(spec: EmbedderSpec, texts: readonly string[], options: ContentOptions): Promise<ItemVectors> {
  if (!options.cacheDir) return computeItemVectors(spec, texts, options);
  const hash = createHash('sha256');
  for (const t of texts) hash.update(t).update('\u0000');
  const file = join(options.cacheDir, `${spec.provider}-${hash.digest('hex').slice(0, 24)}.vectors`);
  if (existsSync(file)) {
    const cached = readCache(file, texts.length);
    options.log?.(`  ${cached.embedderId}: ${texts.length} item vectors read from ${file}`);
    return cached;
  }
  const vectors = await computeItemVectors(spec, texts, options);
  mkdirSync(options.cacheDir, { recursive: true });
  writeFileSync(`${file}.tmp`, encodeCache(vectors));
  renameSync(`${file}.tmp`, file);
  return vectors;
}

/** Layout: a JSON header line (embedder id, dimensions, count), then presence bytes, then float32 rows. */
function encodeCache(v: ItemVectors): Buffer {
  const header = Buffer.from(`${JSON.stringify({ embedderId: v.embedderId, dimensions: v.dimensions, count: v.present.length })}\n`);
  const pad = Buffer.alloc((4 - ((header.length + v.present.length) % 4)) % 4);
  return Buffer.concat([header, Buffer.from(v.present), pad, Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength)]);
}

function readCache(file: string, count: number): ItemVectors {
  const bytes = readFileSync(file);
  const newline = bytes.indexOf(10);
  const header = JSON.parse(bytes.subarray(0, newline).toString()) as { embedderId: string; dimensions: number; count: number };
  if (header.count !== count) throw new Error(`${file} holds ${header.count} items, expected ${count}; delete it`);
  const start = newline + 1;
  const present = Uint8Array.from(bytes.subarray(start, start + count));
  const offset = start + count + ((4 - ((start + count) % 4)) % 4);
  const data = new Float32Array(count * header.dimensions);
  new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + data.byteLength));
  return { embedderId: header.embedderId, dimensions: header.dimensions, data, present };
}

async function computeItemVectors(spec: EmbedderSpec, texts: readonly string[], options: ContentOptions): Promise<ItemVectors> {
  const withText = texts.flatMap((t, i) => (t.trim() === '' ? [] : [i]));
  const started = performance.now();
  let reported = 0;
  const result = await embedAll(
    spec,
    withText.map((i) => texts[i] as string),
    {
      threads: options.threads,
      progress: (done, total) => {
        if (done - reported >= 2_000 || done === total) {
          reported = done;
          options.log?.(`  embedding with ${spec.provider}: ${done}/${total} texts`);
        }
      },
    },
  );
  const dims = result.dimensions;
  const data = new Float32Array(texts.length * dims);
  const present = new Uint8Array(texts.length);
  withText.forEach((item, j) => {
    if (result.errors[j] !== null) return;
    data.set(result.vectors.subarray(j * dims, (j + 1) * dims), item * dims);
    present[item] = 1;
  });
  const refused = result.errors.filter((e) => e !== null).length;
  options.log?.(
    `  ${result.embedderId}: ${withText.length - refused} item vectors in ${((performance.now() - started) / 1000).toFixed(1)} s` +
      (refused ? ` (${refused} texts refused)` : ''),
  );
  return { embedderId: result.embedderId, dimensions: dims, data, present };
}
