/**
 * Test fixture for the onnx embedder: writes a tiny sentence-transformers-style model folder
 * (`model.onnx`, `tokenizer.json`, optional pooling config) without python or downloads.
 *
 * `model.onnx` is encoded here by hand: protobuf is varints and length-delimited fields, and the
 * few ONNX messages a toy graph needs are small (field numbers from onnx/onnx.proto, IR version 8).
 * The graph is an embedding lookup, optionally plus a token-type embedding and an attention-mask
 * multiply, so a test can compute every expected vector from the tables alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// ---- protobuf wire format -------------------------------------------------------------------

type Bytes = Uint8Array;

function varint(value: number | bigint): number[] {
  // int64 fields: negative numbers are sent as their 64-bit two's complement.
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function concat(parts: readonly Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Wire type 0: a varint field. */
function vField(field: number, value: number | bigint): Bytes {
  return Uint8Array.from([...varint(field << 3), ...varint(value)]);
}

/** Wire type 2: a length-delimited field (string, bytes, embedded message, packed values). */
function lField(field: number, payload: Bytes | string): Bytes {
  const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(body.length)]), body]);
}

// ---- the ONNX messages a toy graph needs ----------------------------------------------------

const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;

/** TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian). */
function floatTensor(name: string, dims: readonly number[], values: readonly number[]): Bytes {
  const raw = new Uint8Array(new Float32Array(values).buffer);
  return concat([...dims.map((d) => vField(1, d)), vField(2, FLOAT), lField(8, name), lField(9, raw)]);
}

function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): Bytes {
  const raw = new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
  return concat([...dims.map((d) => vField(1, d)), vField(2, INT64), lField(8, name), lField(9, raw)]);
}

/** ValueInfoProto{name=1, type=2}; TypeProto{tensor_type=1}; Tensor{elem_type=1, shape=2}; Dimension{dim_value=1, dim_param=2}. */
function valueInfo(name: string, elemType: number, shape: readonly (number | string)[]): Bytes {
  const dims = shape.map((d) => lField(1, typeof d === 'number' ? vField(1, d) : lField(2, d)));
  const tensorType = concat([vField(1, elemType), lField(2, concat(dims))]);
  return concat([lField(1, name), lField(2, lField(1, tensorType))]);
}

/** AttributeProto INT: name=1, i=3, type=20 (AttributeType.INT = 2). */
function intAttribute(name: string, value: number): Bytes {
  return concat([lField(1, name), vField(3, value), vField(20, 2)]);
}

/** AttributeProto INTS: name=1, ints=8, type=20 (AttributeType.INTS = 7). */
function intsAttribute(name: string, values: readonly number[]): Bytes {
  return concat([lField(1, name), ...values.map((v) => vField(8, v)), vField(20, 7)]);
}

/** NodeProto: input=1, output=2, name=3, op_type=4, attribute=5. */
function node(op: string, inputs: readonly string[], outputs: readonly string[], attributes: readonly Bytes[] = []): Bytes {
  return concat([
    ...inputs.map((i) => lField(1, i)),
    ...outputs.map((o) => lField(2, o)),
    lField(3, `${op}_${outputs[0] ?? ''}`),
    lField(4, op),
    ...attributes.map((a) => lField(5, a)),
  ]);
}

// ---- the fixture model ----------------------------------------------------------------------

export interface FixtureModelOptions {
  /** Row i is the vector of token id i: shape [vocab, hidden]. */
  embeddings: readonly (readonly number[])[];
  /** Element type of `input_ids` (default int64; some exports use int32). */
  idsType?: 'int64' | 'int32';
  /** Adds `typeEmbeddings[token_type_id]` and declares a `token_type_ids` input. */
  typeEmbeddings?: readonly (readonly number[])[];
  /** Declares an `attention_mask` input and zeroes the rows it masks out. */
  attentionMask?: boolean;
  /**
   * Adds the mean of all positions' vectors to every position: a stand-in for attention without a
   * mask, so padding a text changes its states (the embedder must then batch equal lengths only).
   */
  mixTokens?: boolean;
  /** Name of the [batch, seq, hidden] output (default `last_hidden_state`). */
  outputName?: string;
  /** Also output `sentence_embedding` [batch, hidden]: the FIRST token row (so a test can tell it from mean pooling). */
  pooledOutput?: boolean;
}

/** The bytes of an ONNX ModelProto for an embedding-lookup "encoder". */
export function encodeFixtureModel(options: FixtureModelOptions): Bytes {
  const vocab = options.embeddings.length;
  const hidden = options.embeddings[0]?.length ?? 0;
  const hiddenOut = options.outputName ?? 'last_hidden_state';
  const nodes: Bytes[] = [];
  const initializers: Bytes[] = [floatTensor('word_embeddings', [vocab, hidden], options.embeddings.flat())];
  const inputs: Bytes[] = [valueInfo('input_ids', options.idsType === 'int32' ? INT32 : INT64, ['batch', 'seq'])];

  let current = 'word_vectors';
  nodes.push(node('Gather', ['word_embeddings', 'input_ids'], [current], [intAttribute('axis', 0)]));
  if (options.attentionMask) {
    inputs.push(valueInfo('attention_mask', INT64, ['batch', 'seq']));
    initializers.push(int64Tensor('last_axis', [1], [-1]));
    nodes.push(node('Cast', ['attention_mask'], ['mask_float'], [intAttribute('to', FLOAT)]));
    nodes.push(node('Unsqueeze', ['mask_float', 'last_axis'], ['mask_column']));
    nodes.push(node('Mul', [current, 'mask_column'], ['masked_vectors']));
    current = 'masked_vectors';
  }
  if (options.typeEmbeddings) {
    inputs.push(valueInfo('token_type_ids', INT64, ['batch', 'seq']));
    initializers.push(floatTensor('type_embeddings', [options.typeEmbeddings.length, hidden], options.typeEmbeddings.flat()));
    nodes.push(node('Gather', ['type_embeddings', 'token_type_ids'], ['type_vectors'], [intAttribute('axis', 0)]));
    nodes.push(node('Add', [current, 'type_vectors'], ['typed_vectors']));
    current = 'typed_vectors';
  }
  if (options.mixTokens) {
    nodes.push(node('ReduceMean', [current], ['context'], [intsAttribute('axes', [1]), intAttribute('keepdims', 1)]));
    nodes.push(node('Add', [current, 'context'], ['mixed_vectors']));
    current = 'mixed_vectors';
  }
  nodes.push(node('Identity', [current], [hiddenOut]));
  const outputs: Bytes[] = [valueInfo(hiddenOut, FLOAT, ['batch', 'seq', hidden])];
  if (options.pooledOutput) {
    initializers.push(int64Tensor('first_position', [], [0]));
    nodes.push(node('Gather', [hiddenOut, 'first_position'], ['sentence_embedding'], [intAttribute('axis', 1)]));
    outputs.push(valueInfo('sentence_embedding', FLOAT, ['batch', hidden]));
  }

  // GraphProto: node=1, name=2, initializer=5, input=11, output=12.
  const graph = concat([
    ...nodes.map((n) => lField(1, n)),
    lField(2, 'fixture'),
    ...initializers.map((t) => lField(5, t)),
    ...inputs.map((i) => lField(11, i)),
    ...outputs.map((o) => lField(12, o)),
  ]);
  // ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8 (OperatorSetIdProto: domain=1, version=2).
  return concat([vField(1, 8), lField(2, 'shopfusion-fixture'), lField(7, graph), lField(8, concat([lField(1, ''), vField(2, 17)]))]);
}

// ---- the fixture tokenizer ------------------------------------------------------------------

/** A BERT-style WordPiece vocabulary: specials first, then words, a suffix piece and CJK characters. */
export const FIXTURE_VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', 'red', 'blue', 'shoe', '##s', 'cafe', 'phone', ',', '手', '机',
] as const;

export function fixtureTokenizer(modelType = 'WordPiece'): object {
  const vocab = Object.fromEntries(FIXTURE_VOCAB.map((t, i) => [t, i]));
  const special = (content: string): object => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: modelType, unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

export interface FixtureFolderOptions extends FixtureModelOptions {
  /** Writes `1_Pooling/config.json` with this mode. */
  pooling?: 'mean' | 'cls';
  /** Tokenizer model type written into tokenizer.json (default WordPiece). */
  tokenizerType?: string;
  /** Leave out one of the required files. */
  omit?: 'model.onnx' | 'tokenizer.json';
}

/** Writes a model folder at `dir` and returns `dir`. */
export function writeFixtureFolder(dir: string, options: FixtureFolderOptions): string {
  mkdirSync(dir, { recursive: true });
  if (options.omit !== 'model.onnx') writeFileSync(join(dir, 'model.onnx'), encodeFixtureModel(options));
  if (options.omit !== 'tokenizer.json') {
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(fixtureTokenizer(options.tokenizerType)));
  }
  if (options.pooling) {
    mkdirSync(join(dir, '1_Pooling'), { recursive: true });
    writeFileSync(
      join(dir, '1_Pooling', 'config.json'),
      JSON.stringify({
        word_embedding_dimension: options.embeddings[0]?.length,
        pooling_mode_cls_token: options.pooling === 'cls',
        pooling_mode_mean_tokens: options.pooling === 'mean',
      }),
    );
  }
  return dir;
}
