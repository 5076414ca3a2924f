/** What every route module receives: the engine's parts, never fastify state. */
import type { Config } from '../core/config.js';
import type { Ingestor } from '../ingest/batch.js';
import type { ModelServing } from '../models/serving.js';
import type { GraphIndex } from '../recall/graph-index.js';
import type { SemanticIndex } from '../recall/semantic-index.js';
import type { SearchService } from '../search/service.js';
import type { Store } from '../store/types.js';

export interface RouteContext {
  store: Store;
  config: Readonly<Config>;
  ingest: Ingestor;
  models: ModelServing;
  /** The live semantic index; absent when `embedding.provider` is none. */
  semantic?: SemanticIndex;
  /** The live knowledge graph; absent when `graph.enabled` is false. */
  graph?: GraphIndex;
  /** Product search over the live catalog; absent when `search.enabled` is false. */
  search?: SearchService;
}

/** Who may call a route: anyone, a read key (or the write key), or only the write key. */
export type Access = 'public' | 'read' | 'write';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}
