/** The semantic layer's admin routes: its status, and embedding a piece of text for debugging. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ShopfusionError } from '../../core/errors.js';
import { dot } from '../../embed/types.js';
import type { SemanticIndex } from '../../recall/semantic-index.js';
import type { RouteContext } from '../context.js';
import { errorResponses, NoQuery } from './common.js';

const MAX_TEXTS = 16;

const EmbedBody = Type.Object(
  {
    texts: Type.Array(Type.String({ maxLength: 100_000 }), {
      minItems: 1,
      maxItems: MAX_TEXTS,
      description: 'Texts to embed (long texts are truncated the way the catalog pipeline truncates them).',
    }),
    vectors: Type.Optional(Type.Boolean({ description: 'Return the vectors themselves, not only their similarities (default false).' })),
  },
  { additionalProperties: false },
);

const EmbedResponse = Type.Object({
  embedder: Type.String(),
  dimensions: Type.Integer(),
  /** similarities[i][j]: cosine of text i and text j. */
  similarities: Type.Array(Type.Array(Type.Number())),
  /** The nearest catalog items of each text. */
  nearest: Type.Array(Type.Array(Type.Object({ itemId: Type.String(), score: Type.Number() }))),
  vectors: Type.Optional(Type.Array(Type.Array(Type.Number()))),
});

export const SemanticStatusSchema = Type.Object({
  embedder: Type.String(),
  dimensions: Type.Integer(),
  state: Type.String({ description: 'starting | embedding | ready | failed' }),
  indexed: Type.Integer({ description: 'Items with a vector in the index.' }),
  progress: Type.Union([Type.Object({ done: Type.Integer(), total: Type.Integer() }), Type.Null()]),
  lastSync: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});

/** The semantic index, or a clear error when the configuration turned it off. */
export function requireSemantic(semantic: SemanticIndex | undefined): SemanticIndex {
  if (!semantic) throw new ShopfusionError('not_configured', 'the semantic layer is off: set embedding.provider (use-lite, onnx or http)');
  return semantic;
}

export function embeddingRoutes({ semantic }: RouteContext) {
  return async (app: FastifyInstance) => {
    app.post<{ Body: Static<typeof EmbedBody> }>(
      '/embed',
      {
        config: { access: 'write' },
        schema: {
          tags: ['embedding'],
          summary: 'Embed texts with the configured embedder (for debugging it).',
          description:
            'Returns the pairwise cosine similarities of the texts and the catalog items nearest to each. Text an embedder ' +
            'cannot read (empty, or no Latin letters for use-lite) is a 400 naming its position.',
          querystring: NoQuery,
          body: EmbedBody,
          response: { 200: EmbedResponse, ...errorResponses },
        },
      },
      async (request) => {
        const index = requireSemantic(semantic);
        const vectors = await index.embedder.embedBatch(request.body.texts);
        return {
          embedder: index.embedder.id,
          dimensions: index.embedder.dimensions,
          similarities: vectors.map((a) => vectors.map((b) => dot(a, b))),
          nearest: vectors.map((v) => index.search(v, 5)),
          ...(request.body.vectors ? { vectors: vectors.map((v) => Array.from(v)) } : {}),
        };
      },
    );

    app.post<{ Querystring: { wait?: boolean } }>(
      '/embedding/sync',
      {
        config: { access: 'write' },
        schema: {
          tags: ['embedding'],
          summary: 'Embed new and changed catalog items now (after a bulk import straight into the store).',
          description: 'Answers 202 at once with the index status, or with `wait=true` 200 with the run\'s counts when it is done.',
          querystring: Type.Object({ wait: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          response: { 200: Type.Record(Type.String(), Type.Unknown()), 202: SemanticStatusSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const index = requireSemantic(semantic);
        const run = index.sync();
        if (request.query.wait) return run;
        run.catch((error: Error) => request.log.error({ err: error }, 'embedding the catalog failed'));
        return reply.code(202).send(index.status());
      },
    );

    app.get(
      '/embedding',
      {
        config: { access: 'read' },
        schema: {
          tags: ['embedding'],
          summary: 'The semantic index: embedder, items indexed, progress of the catalog embedding.',
          querystring: NoQuery,
          response: { 200: SemanticStatusSchema, ...errorResponses },
        },
      },
      async () => requireSemantic(semantic).status(),
    );
  };
}
