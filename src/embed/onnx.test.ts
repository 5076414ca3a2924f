import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ShopfusionError } from '../core/errors.js';
import { OnnxEmbedder } from './onnx.js';
import { FIXTURE_VOCAB, writeFixtureFolder } from './onnx-fixture.js';
import { dot } from './types.js';

const HIDDEN = 8;
/** A table with distinct, non-zero rows: [PAD] included, so pooling over padding would show. */
const EMBEDDINGS = FIXTURE_VOCAB.map((_, i) => Array.from({ length: HIDDEN }, (_, j) => ((i * 5 + j * 3) % 11) - 5 + (i === 0 ? 0.5 : 0)));
const TYPE_EMBEDDINGS = [Array.from({ length: HIDDEN }, (_, j) => 0.25 * (j + 1)), Array.from({ length: HIDDEN }, () => 9)];
const id = (token: (typeof FIXTURE_VOCAB)[number]): number => FIXTURE_VOCAB.indexOf(token);
const [UNK, CLS, SEP] = [id('[UNK]'), id('[CLS]'), id('[SEP]')];
/** 'red shoes' as the fixture tokenizer reads it. */
const RED_SHOES = [CLS, id('red'), id('shoe'), id('##s'), SEP];

const mean = (rows: readonly (readonly number[])[]): number[] =>
  Array.from({ length: HIDDEN }, (_, j) => rows.reduce((s, r) => s + (r[j] as number), 0) / rows.length);

/**
 * The hand-computed answer: each token's row, plus the type-0 row (`typed` model) or the mean of all
 * the text's rows (`mixed` model), then pooled (mean, or the first row) and L2-normalised.
 */
function expected(
  tokens: readonly number[],
  options: { typed?: boolean; mixed?: boolean; pooling: 'mean' | 'cls'; normalize?: boolean },
): Float32Array {
  const context = mean(tokens.map((t) => EMBEDDINGS[t] as number[]));
  const typeRow = TYPE_EMBEDDINGS[0] as number[];
  const states = tokens.map((t) =>
    (EMBEDDINGS[t] as number[]).map((x, j) => x + (options.typed ? (typeRow[j] as number) : 0) + (options.mixed ? (context[j] as number) : 0)),
  );
  const v = Float32Array.from(options.pooling === 'cls' ? (states[0] as number[]) : mean(states));
  if (options.normalize === false) return v;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function assertClose(actual: Float32Array | undefined, wanted: Float32Array, message?: string): void {
  assert.equal(actual?.length, wanted.length, message);
  for (let i = 0; i < wanted.length; i++) {
    assert.ok(Math.abs((actual?.[i] as number) - (wanted[i] as number)) < 1e-5, `${message ?? ''} [${i}]: ${actual?.[i]} vs ${wanted[i]}`);
  }
}

describe('onnx embedder (a generated sentence-transformers folder on onnxruntime-node)', () => {
  let root: string;
  /** input_ids, attention_mask, token_type_ids → last_hidden_state; mean pooling by default. */
  let bert: OnnxEmbedder;
  /** input_ids only (no mask, so padding would change its states) → token_embeddings; a CLS pooling config. */
  let plain: OnnxEmbedder;
  const opened: OnnxEmbedder[] = [];
  const load = async (options: Parameters<typeof OnnxEmbedder.load>[0]): Promise<OnnxEmbedder> => {
    const e = await OnnxEmbedder.load(options);
    opened.push(e);
    return e;
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'shopfusion-onnx-'));
    writeFixtureFolder(join(root, 'tiny-bert'), { embeddings: EMBEDDINGS, typeEmbeddings: TYPE_EMBEDDINGS, attentionMask: true });
    const plainOptions = { embeddings: EMBEDDINGS, outputName: 'token_embeddings', pooling: 'cls', mixTokens: true } as const;
    writeFixtureFolder(join(root, 'tiny-plain'), plainOptions);
    bert = await load({ dir: join(root, 'tiny-bert'), maxTokens: 16, batchSize: 2 });
    plain = await load({ dir: join(root, 'tiny-plain'), batchSize: 3 });
  });
  after(async () => {
    for (const e of opened) await e.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('tokenizes with the folder tokenizer.json: lowercase, accents stripped, ##pieces, [UNK], CJK per character', () => {
    assert.deepEqual(bert.tokenize('Red Shoes, Café'), [CLS, id('red'), id('shoe'), id('##s'), id(','), id('cafe'), SEP]);
    assert.deepEqual(bert.tokenize('xylophone phone'), [CLS, UNK, id('phone'), SEP]);
    assert.deepEqual(bert.tokenize('手机'), [CLS, id('手'), id('机'), SEP]);
    assert.deepEqual(bert.tokenize('BLUE手机'), [CLS, id('blue'), id('手'), id('机'), SEP]);
  });

  it('mean-pools the token states by hand-checked arithmetic, and names itself by folder and model hash', async () => {
    assert.equal(bert.dimensions, HIDDEN);
    assert.match(bert.id, /^onnx:tiny-bert@[0-9a-f]{12}$/);
    const again = await load({ dir: join(root, 'tiny-bert') });
    assert.equal(again.id, bert.id, 'the id is stable across loads');
    assert.notEqual(plain.id.split('@')[1], bert.id.split('@')[1], 'a different model.onnx gives a different hash');

    const v = await bert.embedQuery('red shoes');
    assertClose(v, expected(RED_SHOES, { typed: true, pooling: 'mean' }));
    assert.ok(Math.abs(dot(v, v) - 1) < 1e-5, 'unit length');
    const raw = await load({ dir: join(root, 'tiny-bert'), normalize: false });
    assertClose(await raw.embedQuery('red shoes'), expected(RED_SHOES, { typed: true, pooling: 'mean', normalize: false }));
  });

  it('gives each text the same vector alone or in a padded batch, in input order', async () => {
    const texts = ['red', 'blue shoes, cafe 手机 phone', 'phone', 'xylophone red blue', 'cafe'];
    for (const embedder of [bert, plain]) {
      const batch = await embedder.embedBatch(texts);
      assert.equal(batch.length, texts.length);
      for (const [i, text] of texts.entries()) {
        const alone = await embedder.embedBatch([text]);
        assertClose(batch[i], alone[0] as Float32Array, `${embedder.id} text ${i}`);
      }
    }
    const [longest, short] = await bert.embedBatch(['blue shoes, cafe 手机 phone', 'red']);
    const tokens = [CLS, id('blue'), id('shoe'), id('##s'), id(','), id('cafe'), id('手'), id('机'), id('phone'), SEP];
    assertClose(longest, expected(tokens, { typed: true, pooling: 'mean' }));
    assertClose(short, expected([CLS, id('red'), SEP], { typed: true, pooling: 'mean' }), 'padding does not leak into the short text');
  });

  it('pools the CLS row when the pooling config or the option says so, and takes a model-pooled sentence_embedding as is', async () => {
    assertClose(await plain.embedQuery('red shoes'), expected(RED_SHOES, { mixed: true, pooling: 'cls' }), 'CLS from 1_Pooling/config.json');
    const overridden = await load({ dir: join(root, 'tiny-bert'), pooling: 'cls' });
    assertClose(await overridden.embedQuery('red shoes'), expected(RED_SHOES, { typed: true, pooling: 'cls' }), 'CLS from the option');
    const meanOverride = await load({ dir: join(root, 'tiny-plain'), pooling: 'mean' });
    assertClose(await meanOverride.embedQuery('red'), expected([CLS, id('red'), SEP], { mixed: true, pooling: 'mean' }));

    // This model's sentence_embedding is its first token row; mean pooling of the states would differ.
    const dir = writeFixtureFolder(join(root, 'tiny-pooled'), { embeddings: EMBEDDINGS, pooledOutput: true });
    const pooled = await load({ dir });
    assert.equal(pooled.dimensions, HIDDEN);
    const [a, b] = await pooled.embedBatch(['red shoes', 'blue']);
    assertClose(a, expected([CLS], { pooling: 'cls' }));
    assertClose(b, expected([CLS], { pooling: 'cls' }));
  });

  it('feeds int32 ids to a model that declares them', async () => {
    const dir = writeFixtureFolder(join(root, 'tiny-int32'), { embeddings: EMBEDDINGS, idsType: 'int32' });
    const int32 = await load({ dir });
    assertClose(await int32.embedQuery('blue phone'), expected([CLS, id('blue'), id('phone'), SEP], { pooling: 'mean' }));
  });

  it('caches queries by their prepared text', async () => {
    const first = await bert.embedQuery('blue cafe');
    assert.equal(await bert.embedQuery('  blue   cafe '), first);
  });

  it('truncates 100 kB text to maxTokens, keeping [SEP], and embeds it', async () => {
    const long = `red shoes ${'blue cafe phone '.repeat(7_000)}`;
    assert.ok(long.length > 100_000);
    const tokens = bert.tokenize(long);
    assert.equal(tokens.length, 16);
    assert.deepEqual(tokens.slice(0, 4), [CLS, id('red'), id('shoe'), id('##s')]);
    assert.equal(tokens.at(-1), SEP);
    const [v] = await bert.embedBatch([long, 'red']);
    assertClose(v, expected(tokens, { typed: true, pooling: 'mean' }));
  });

  it('refuses empty text naming its position', async () => {
    await assert.rejects(
      bert.embedBatch(['fine', '   ']),
      (e: unknown) => e instanceof ShopfusionError && e.code === 'invalid_argument' && /text 1 is empty/.test(e.message),
    );
    await assert.rejects(bert.embedQuery(''), /the text is empty/);
  });

  it('explains a folder it cannot use: missing folder, model.onnx, tokenizer.json, unsupported tokenizer, bad option', async () => {
    const configError = (pattern: RegExp) => (e: unknown) => {
      assert.ok(e instanceof ShopfusionError, String(e));
      assert.equal(e.code, 'invalid_config');
      assert.match(e.message, pattern);
      return true;
    };
    const missing = join(root, 'nowhere');
    await assert.rejects(OnnxEmbedder.load({ dir: missing }), configError(/onnx model folder .*nowhere does not exist/));
    const noTokenizer = writeFixtureFolder(join(root, 'no-tokenizer'), { embeddings: EMBEDDINGS, omit: 'tokenizer.json' });
    await assert.rejects(OnnxEmbedder.load({ dir: noTokenizer }), configError(/no-tokenizer has no tokenizer\.json/));
    const noModel = writeFixtureFolder(join(root, 'no-model'), { embeddings: EMBEDDINGS, omit: 'model.onnx' });
    await assert.rejects(OnnxEmbedder.load({ dir: noModel }), configError(/no-model has no model\.onnx/));
    const wordLevel = writeFixtureFolder(join(root, 'word-level'), { embeddings: EMBEDDINGS, tokenizerType: 'WordLevel' });
    await assert.rejects(
      OnnxEmbedder.load({ dir: wordLevel }),
      configError(/tokenizer model type "WordLevel"; supported types are WordPiece, BPE, Unigram/),
    );
    const tooShort = OnnxEmbedder.load({ dir: join(root, 'tiny-bert'), maxTokens: 1 });
    await assert.rejects(tooShort, configError(/maxTokens must be an integer >= 2; got 1/));
  });
});
