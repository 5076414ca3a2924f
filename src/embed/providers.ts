/**
 * Embedders by configuration: a provider name and its settings, plain data, so that the same
 * spec can start one embedder in the server and one per worker thread in the embedding pipeline.
 */
import type { Config } from '../core/config.js';
import { ShopfusionError } from '../core/errors.js';
import type { HttpEmbedderOptions } from './http.js';
import type { Embedder } from './types.js';

export type EmbedderSpec =
  | { provider: 'use-lite'; maxChars?: number }
  | { provider: 'onnx'; dir: string }
  | ({ provider: 'http' } & HttpEmbedderOptions);

export const PROVIDERS = ['use-lite', 'onnx', 'http'] as const;

export async function createEmbedder(spec: EmbedderSpec): Promise<Embedder> {
  switch (spec.provider) {
    case 'use-lite': {
      const { UseLiteEmbedder } = await import('./use-lite.js');
      return UseLiteEmbedder.load({ maxChars: spec.maxChars });
    }
    case 'onnx': {
      const { OnnxEmbedder } = await import('./onnx.js');
      return OnnxEmbedder.load({ dir: spec.dir });
    }
    case 'http': {
      const { HttpEmbedder } = await import('./http.js');
      const { provider: _provider, ...options } = spec;
      return HttpEmbedder.connect(options);
    }
    default:
      throw new ShopfusionError(
        'invalid_config',
        `unknown embedding provider ${JSON.stringify((spec as { provider: unknown }).provider)}; use one of: ${PROVIDERS.join(', ')}`,
      );
  }
}

/** Whether the provider computes on this machine's CPU (worth spreading over worker threads). */
export function runsLocally(spec: EmbedderSpec): boolean {
  return spec.provider === 'use-lite' || spec.provider === 'onnx';
}

/** The configured embedder, or undefined when the semantic layer is off (`provider: none`). */
export function embedderSpecFromConfig(embedding: Readonly<Config['embedding']>): EmbedderSpec | undefined {
  switch (embedding.provider) {
    case 'none':
      return undefined;
    case 'use-lite':
      return { provider: 'use-lite' };
    case 'onnx':
      if (!embedding.onnxDir) throw new ShopfusionError('invalid_config', 'embedding.provider is onnx but embedding.onnxDir is not set (a folder with model.onnx and tokenizer.json)');
      return { provider: 'onnx', dir: embedding.onnxDir };
    case 'http':
      if (!embedding.httpUrl || !embedding.httpModel) {
        throw new ShopfusionError('invalid_config', 'embedding.provider is http but embedding.httpUrl or embedding.httpModel is not set');
      }
      return { provider: 'http', baseUrl: embedding.httpUrl, model: embedding.httpModel, ...(embedding.httpApiKey ? { apiKey: embedding.httpApiKey } : {}) };
  }
}
