/**
 * The seam of the semantic layer: a text encoder behind one interface, whichever provider runs it
 * (the bundled Universal Sentence Encoder, a local ONNX model, an HTTP endpoint, the shop's own
 * catalog encoder). Named `Embedder`, not `TextEncoder` (a Node global).
 */
export interface Embedder {
  /** Stable id of provider and model, stored with every vector (`use-lite@0.2.0`). */
  readonly id: string;
  readonly dimensions: number;
  /** The latency path: one text (a search query), cached. L2-normalised. */
  embedQuery(text: string): Promise<Float32Array>;
  /** The indexing path: many texts at once, in order. Each vector is L2-normalised. */
  embedBatch(texts: readonly string[]): Promise<Float32Array[]>;
  close?(): Promise<void>;
}

/** Scales `v` to unit length in place (a zero vector stays zero). */
export function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  const norm = Math.sqrt(s);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / norm;
  return v;
}

/** Dot product; the cosine similarity of two normalised vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
