/**
 * `onnx`: any sentence-transformers model exported to ONNX, read from a local folder and run on
 * onnxruntime-node's bundled CPU build (inference runs on its own thread pool, off the event loop).
 *
 * The folder holds `model.onnx` and `tokenizer.json` (Hugging Face tokenizers format), and may hold
 * `1_Pooling/config.json` (pooling mode), `sentence_bert_config.json` (`max_seq_length`) and
 * `config.json` (`max_position_embeddings`), as `optimum` / sentence-transformers exports write them.
 * A sentence embedding is the pooled token states (Reimers & Gurevych 2019, Sentence-BERT: mean over
 * the attended tokens, or the [CLS] row), L2-normalised; a model that outputs `sentence_embedding`
 * itself is taken as it is. Nothing is fetched: a missing file is a configuration error.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { ShopfusionError } from '../core/errors.js';
import { prepareText } from './text.js';
import { normalise, type Embedder } from './types.js';
import { QueryCache } from './query-cache.js';

export type OnnxPooling = 'mean' | 'cls';

export interface OnnxEmbedderOptions {
  /** The model folder: `model.onnx`, `tokenizer.json`, optional sentence-transformers configs. */
  dir: string;
  /** Tokens per text, special tokens included; longer texts are cut. Default: the model's `max_seq_length`, else 512. */
  maxTokens?: number;
  /** Texts per forward pass on the indexing path. */
  batchSize?: number;
  /** Query vectors kept in the LRU cache. */
  cacheSize?: number;
  /** Overrides the pooling the model's `1_Pooling/config.json` names (default mean). */
  pooling?: OnnxPooling;
  /** L2-normalise every vector (default true; the `Embedder` contract assumes it). */
  normalize?: boolean;
}

/** The tokenizer models @huggingface/tokenizers implements; it would silently guess for others. */
const TOKENIZER_TYPES = ['WordPiece', 'BPE', 'Unigram'];
const FEEDABLE_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];
/** Token-level outputs, by preference; `sentence_embedding` (already pooled) beats them all. */
const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'];
/**
 * Characters kept before tokenising: a real vocabulary's token spans a handful of characters, so
 * this window holds more than `maxTokens` tokens while bounding the tokenizer's work on 100 kB text.
 */
const CHARS_PER_TOKEN = 12;

/**
 * The part of @huggingface/tokenizers' `Tokenizer` used here, typed by hand: the package's .d.ts
 * files import each other without file extensions, which NodeNext resolution cannot follow, so
 * its own types arrive as `any`.
 */
interface HfTokenizer {
  encode(text: string, options: { return_token_type_ids: true }): { ids: number[]; token_type_ids?: number[] };
  token_to_id(token: string): number | undefined;
  get_added_tokens_decoder(): Map<number, { special: boolean }>;
}

interface Encoded {
  ids: number[];
  typeIds: number[];
}

/** What `load` has read and opened before the model is inspected. */
interface Opened {
  session: InferenceSession;
  tensor: typeof Tensor;
  tokenizer: HfTokenizer;
  tokenizerJson: Record<string, unknown>;
  modelBytes: Uint8Array;
  dir: string;
}

interface Plan {
  session: InferenceSession;
  tensor: typeof Tensor;
  tokenizer: HfTokenizer;
  inputs: Map<string, 'int64' | 'int32'>;
  output: string;
  pooled: boolean;
  pooling: OnnxPooling;
  normalize: boolean;
  maxTokens: number;
  padId: number;
  specialIds: Set<number>;
}

export class OnnxEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly batchSize: number;
  private readonly cache: QueryCache;

  private constructor(
    private readonly plan: Plan,
    id: string,
    dimensions: number,
    options: OnnxEmbedderOptions,
  ) {
    this.id = id;
    this.dimensions = dimensions;
    this.batchSize = options.batchSize ?? 32;
    this.cache = new QueryCache(options.cacheSize ?? 10_000);
  }

  /** Reads the folder, opens an onnxruntime session and runs one probe text to learn the dimensions. */
  static async load(options: OnnxEmbedderOptions): Promise<OnnxEmbedder> {
    checkPositive('maxTokens', options.maxTokens, 2);
    checkPositive('batchSize', options.batchSize, 1);
    checkPositive('cacheSize', options.cacheSize, 0);
    const dir = resolve(options.dir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new ShopfusionError(
        'invalid_config',
        `onnx model folder ${dir} does not exist; expected a folder holding model.onnx and tokenizer.json`,
      );
    }
    for (const file of ['model.onnx', 'tokenizer.json']) {
      if (!existsSync(join(dir, file))) {
        throw new ShopfusionError(
          'invalid_config',
          `onnx model folder ${dir} has no ${file}; ` +
            'expected model.onnx (the ONNX export) and tokenizer.json (Hugging Face tokenizers format)',
        );
      }
    }
    const modelBytes = readFileSync(join(dir, 'model.onnx'));
    const { tokenizer, json: tokenizerJson } = await loadTokenizer(dir);
    const ort = await import('onnxruntime-node');
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelBytes, { executionProviders: ['cpu'] });
    } catch (cause) {
      const message = `${join(dir, 'model.onnx')} could not be loaded by onnxruntime: ${String(cause)}`;
      throw new ShopfusionError('invalid_config', message, { cause });
    }

    try {
      return await OnnxEmbedder.open({ session, tensor: ort.Tensor, tokenizer, tokenizerJson, modelBytes, dir }, options);
    } catch (error) {
      // A model this embedder cannot use still holds native memory until released.
      await session.release();
      throw error;
    }
  }

  /** Reads the model's inputs, outputs and configs, then probes it once. */
  private static async open(opened: Opened, options: OnnxEmbedderOptions): Promise<OnnxEmbedder> {
    const { session, tensor, tokenizer, tokenizerJson, modelBytes, dir } = opened;
    const plan: Plan = {
      session,
      tensor,
      tokenizer,
      inputs: modelInputs(session, dir),
      ...modelOutput(session, dir),
      pooling: options.pooling ?? readPooling(dir),
      normalize: options.normalize ?? true,
      maxTokens: options.maxTokens ?? defaultMaxTokens(dir),
      padId: padId(tokenizerJson, tokenizer),
      specialIds: new Set([...tokenizer.get_added_tokens_decoder()].filter(([, t]) => t.special).map(([id]) => id)),
    };
    const sha = createHash('sha256').update(modelBytes).digest('hex').slice(0, 12);
    const probe = await runBatch(plan, [encode(plan, 'hello world')]);
    const dimensions = probe[0]?.length ?? 0;
    if (dimensions === 0) throw new ShopfusionError('invalid_config', `${join(dir, 'model.onnx')} produced an empty embedding`);
    return new OnnxEmbedder(plan, `onnx:${basename(dir)}@${sha}`, dimensions, options);
  }

  /** Token ids the model is fed for one text (special tokens included, truncated): for tests and debugging. */
  tokenize(text: string): number[] {
    return encode(this.plan, this.prepare(text)).ids;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const prepared = this.prepare(text);
    return this.cache.get(prepared, async () => (await runBatch(this.plan, [encode(this.plan, prepared)]))[0] as Float32Array);
  }

  async embedBatch(texts: readonly string[]): Promise<Float32Array[]> {
    const encoded = texts.map((t, i) => encode(this.plan, this.prepare(t, i)));
    // Batches of similar length waste little on padding; without an attention mask the model would
    // read padding as text, so there a batch holds texts of one length only.
    const order = encoded.map((_, i) => i).sort((a, b) => (encoded[a]?.ids.length ?? 0) - (encoded[b]?.ids.length ?? 0));
    const masked = this.plan.inputs.has('attention_mask');
    const out = new Array<Float32Array>(texts.length);
    let start = 0;
    while (start < order.length) {
      let end = Math.min(start + this.batchSize, order.length);
      if (!masked) {
        const len = encoded[order[start] as number]?.ids.length;
        let same = start + 1;
        while (same < end && encoded[order[same] as number]?.ids.length === len) same++;
        end = same;
      }
      const chunk = order.slice(start, end);
      const vectors = await runBatch(this.plan, chunk.map((i) => encoded[i] as Encoded));
      chunk.forEach((i, k) => (out[i] = vectors[k] as Float32Array));
      start = end;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.plan.session.release();
  }

  private prepare(text: string, position?: number): string {
    return prepareText(text, this.plan.maxTokens * CHARS_PER_TOKEN, position);
  }
}

function checkPositive(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw new ShopfusionError('invalid_config', `onnx embedder option ${name} must be an integer >= ${min}; got ${value}`);
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (cause) {
    throw new ShopfusionError('invalid_config', `${path} is not valid JSON: ${String(cause)}`, { cause });
  }
}

function readOptionalJson(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  const value = readJson(path);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

async function loadTokenizer(dir: string): Promise<{ tokenizer: HfTokenizer; json: Record<string, unknown> }> {
  const path = join(dir, 'tokenizer.json');
  const json = readJson(path) as { model?: { type?: unknown }; padding?: unknown } | null;
  const type = json?.model?.type;
  if (typeof type !== 'string' || !TOKENIZER_TYPES.includes(type)) {
    throw new ShopfusionError(
      'invalid_config',
      `${path} has tokenizer model type ${JSON.stringify(type)}; supported types are ${TOKENIZER_TYPES.join(', ')}`,
    );
  }
  const { Tokenizer } = (await import('@huggingface/tokenizers')) as { Tokenizer: new (json: object, config: object) => HfTokenizer };
  try {
    const tokenizer = new Tokenizer({ added_tokens: [], ...json }, readOptionalJson(join(dir, 'tokenizer_config.json')));
    return { tokenizer, json: json as Record<string, unknown> };
  } catch (cause) {
    throw new ShopfusionError('invalid_config', `${path} could not be read as a ${type} tokenizer: ${String(cause)}`, { cause });
  }
}

/** The inputs to feed, with their integer type; an input we cannot fill is a configuration error. */
function modelInputs(session: InferenceSession, dir: string): Map<string, 'int64' | 'int32'> {
  const inputs = new Map<string, 'int64' | 'int32'>();
  for (const meta of session.inputMetadata) {
    const type = meta.isTensor ? meta.type : 'non-tensor';
    if (!FEEDABLE_INPUTS.includes(meta.name) || (type !== 'int64' && type !== 'int32')) {
      throw new ShopfusionError(
        'invalid_config',
        `${join(dir, 'model.onnx')} declares input ${meta.name} (${type}); the onnx embedder feeds int64 ${FEEDABLE_INPUTS.join(', ')}`,
      );
    }
    inputs.set(meta.name, type);
  }
  if (!inputs.has('input_ids')) {
    const names = session.inputNames.join(', ');
    throw new ShopfusionError('invalid_config', `${join(dir, 'model.onnx')} has no input_ids input; inputs are ${names}`);
  }
  return inputs;
}

function modelOutput(session: InferenceSession, dir: string): { output: string; pooled: boolean } {
  const names = session.outputNames;
  if (names.includes('sentence_embedding')) return { output: 'sentence_embedding', pooled: true };
  const output = TOKEN_OUTPUTS.find((n) => names.includes(n)) ?? names[0];
  if (output === undefined) throw new ShopfusionError('invalid_config', `${join(dir, 'model.onnx')} has no outputs`);
  return { output, pooled: false };
}

/** sentence-transformers' Pooling module config: `pooling_mode_cls_token` / `pooling_mode_mean_tokens`. */
function readPooling(dir: string): OnnxPooling {
  const modules = existsSync(join(dir, 'modules.json')) ? readJson(join(dir, 'modules.json')) : [];
  const entry = Array.isArray(modules)
    ? (modules as { type?: unknown; path?: unknown }[]).find((m) => typeof m.type === 'string' && m.type.endsWith('.Pooling'))
    : undefined;
  const path = join(dir, typeof entry?.path === 'string' ? entry.path : '1_Pooling', 'config.json');
  const config = readOptionalJson(path);
  if (config.pooling_mode_cls_token === true) return 'cls';
  if (config.pooling_mode_mean_tokens === true) return 'mean';
  const other = Object.keys(config).find((k) => k.startsWith('pooling_mode_') && config[k] === true);
  if (other) {
    throw new ShopfusionError('invalid_config', `${path} asks for ${other}; the onnx embedder pools mean or cls (set pooling to override)`);
  }
  return 'mean';
}

function defaultMaxTokens(dir: string): number {
  const seq = readOptionalJson(join(dir, 'sentence_bert_config.json')).max_seq_length;
  const positions = readOptionalJson(join(dir, 'config.json')).max_position_embeddings;
  const wanted = typeof seq === 'number' && seq >= 2 ? seq : 512;
  return typeof positions === 'number' && positions >= 2 ? Math.min(wanted, positions) : wanted;
}

function padId(json: Record<string, unknown>, tokenizer: HfTokenizer): number {
  const padding = (json.padding ?? null) as { pad_id?: unknown } | null;
  if (typeof padding?.pad_id === 'number') return padding.pad_id;
  return tokenizer.token_to_id('[PAD]') ?? tokenizer.token_to_id('<pad>') ?? 0;
}

/** Tokens with the model's special tokens; a long text keeps its head and its closing special token. */
function encode(plan: Plan, text: string): Encoded {
  const enc = plan.tokenizer.encode(text, { return_token_type_ids: true });
  const ids = enc.ids;
  const typeIds = enc.token_type_ids ?? new Array<number>(ids.length).fill(0);
  const max = plan.maxTokens;
  if (ids.length <= max) return { ids, typeIds };
  const last = ids.length - 1;
  if (!plan.specialIds.has(ids[last] as number)) return { ids: ids.slice(0, max), typeIds: typeIds.slice(0, max) };
  return { ids: [...ids.slice(0, max - 1), ids[last] as number], typeIds: [...typeIds.slice(0, max - 1), typeIds[last] as number] };
}

/** One forward pass: right-padded [batch, seq] inputs, then pooling over the attended positions. */
async function runBatch(plan: Plan, batch: readonly Encoded[]): Promise<Float32Array[]> {
  const rows = batch.length;
  const seq = Math.max(...batch.map((e) => e.ids.length));
  const ids = new Array<number>(rows * seq).fill(plan.padId);
  const mask = new Array<number>(rows * seq).fill(0);
  const types = new Array<number>(rows * seq).fill(0);
  batch.forEach((e, r) => {
    e.ids.forEach((id, t) => {
      ids[r * seq + t] = id;
      mask[r * seq + t] = 1;
      types[r * seq + t] = e.typeIds[t] ?? 0;
    });
  });
  const values: Record<string, number[]> = { input_ids: ids, attention_mask: mask, token_type_ids: types };
  const feeds: Record<string, Tensor> = {};
  for (const [name, type] of plan.inputs) {
    const data = values[name] as number[];
    feeds[name] =
      type === 'int64'
        ? new plan.tensor('int64', BigInt64Array.from(data, (v) => BigInt(v)), [rows, seq])
        : new plan.tensor('int32', Int32Array.from(data), [rows, seq]);
  }
  const result = (await plan.session.run(feeds, [plan.output]))[plan.output];
  const dims = result?.dims ?? [];
  const rank = plan.pooled ? 2 : 3;
  if (!result || result.type !== 'float32' || dims.length !== rank || dims[0] !== rows || (!plan.pooled && dims[1] !== seq)) {
    throw new ShopfusionError(
      'invalid_config',
      `onnx output ${plan.output} is ${result?.type ?? 'missing'} [${dims.join(', ')}]; expected float32 ` +
        (plan.pooled ? `[${rows}, hidden]` : `[${rows}, ${seq}, hidden]`),
    );
  }
  const data = result.data as Float32Array;
  const hidden = dims[rank - 1] as number;
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    let v: Float32Array;
    if (plan.pooled) v = data.slice(r * hidden, (r + 1) * hidden);
    else if (plan.pooling === 'cls') v = data.slice(r * seq * hidden, (r * seq + 1) * hidden);
    else v = meanPool(data, r, seq, hidden, (batch[r] as Encoded).ids.length);
    out.push(plan.normalize ? normalise(v) : v);
  }
  return out;
}

/** Mean of the first `length` token rows of batch row `r`: the attended, unpadded tokens. */
function meanPool(data: Float32Array, r: number, seq: number, hidden: number, length: number): Float32Array {
  const v = new Float32Array(hidden);
  for (let t = 0; t < length; t++) {
    const base = (r * seq + t) * hidden;
    for (let h = 0; h < hidden; h++) v[h] = (v[h] as number) + (data[base + h] as number);
  }
  for (let h = 0; h < hidden; h++) v[h] = (v[h] as number) / length;
  return v;
}
