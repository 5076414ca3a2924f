/** Embedding a batch where some texts may be refused, without losing the rest of the batch. */
import { ShopfusionError } from '../core/errors.js';
import type { Embedder } from './types.js';

export interface TolerantResult {
  /** texts.length × dimensions, row-major; rows of refused texts are zero. */
  vectors: Float32Array;
  /** Per text: null when embedded, else why it was refused. */
  errors: Array<string | null>;
}

/**
 * Embeds the batch; when the embedder refuses it for bad input (an empty text, a script it cannot
 * read), embeds text by text so that only the refused texts are left out, each with its reason.
 * Any other failure (the model, the endpoint) is thrown: it is not about one text.
 */
export async function embedTolerant(embedder: Embedder, texts: readonly string[]): Promise<TolerantResult> {
  const dims = embedder.dimensions;
  const vectors = new Float32Array(texts.length * dims);
  const errors: Array<string | null> = texts.map(() => null);
  try {
    (await embedder.embedBatch(texts)).forEach((v, i) => vectors.set(v, i * dims));
    return { vectors, errors };
  } catch (error) {
    if (!(error instanceof ShopfusionError) || error.code !== 'invalid_argument') throw error;
  }
  for (let i = 0; i < texts.length; i++) {
    try {
      const [v] = await embedder.embedBatch([texts[i] as string]);
      vectors.set(v as Float32Array, i * dims);
    } catch (error) {
      if (!(error instanceof ShopfusionError) || error.code !== 'invalid_argument') throw error;
      errors[i] = error.message.replace(/^the text |^text 0 /, '');
    }
  }
  return { vectors, errors };
}
