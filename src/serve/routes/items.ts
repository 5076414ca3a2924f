/** The catalog: batch upsert and delete, get, list with cursor pagination. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ShopfusionError } from '../../core/errors.js';
import { Item, ItemInput } from '../../core/schema.js';
import type { RouteContext } from '../context.js';
import {
  batchRoute,
  batchSizeLimit,
  errorResponses,
  IdParams,
  idsBody,
  listQueryFields,
  NoQuery,
  pageOf,
  UpsertResponse,
} from './common.js';

const ListQuery = Type.Object(
  {
    ...listQueryFields,
    category: Type.Optional(Type.String({ minLength: 1, description: 'Items with this category anywhere in their path.' })),
    available: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export function itemRoutes({ store, ingest, config }: RouteContext) {
  const max = config.server.maxBatchSize;
  return async (app: FastifyInstance) => {
    batchRoute(app, {
      path: '/items',
      field: 'items',
      tag: 'items',
      row: ItemInput,
      response: UpsertResponse,
      maxRows: max,
      summary: 'Upsert a batch of items.',
      description:
        'Each item replaces the stored one with the same id whole. An item sent again unchanged is not touched (its updatedAt stays).',
      write: ingest.upsertItems,
    });

    app.post<{ Body: { ids: string[] } }>(
      '/items/delete',
      {
        config: { access: 'write' },
        preValidation: batchSizeLimit('ids', max),
        schema: {
          tags: ['items'],
          summary: 'Delete a batch of items by id.',
          description: 'Deleted items disappear from every list and recommendation; their events stay as history.',
          querystring: NoQuery,
          body: idsBody(max),
          response: { 200: Type.Object({ deleted: Type.Integer() }), ...errorResponses },
        },
      },
      async (request) => ({ deleted: await store.items.delete(request.body.ids) }),
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      '/items/:id',
      {
        config: { access: 'read' },
        schema: {
          tags: ['items'],
          summary: 'Get one item.',
          params: IdParams,
          querystring: NoQuery,
          response: { 200: Item, 404: errorResponses[400] },
        },
      },
      async (request) => {
        const item = await store.items.get(request.params.id);
        if (!item) throw new ShopfusionError('item_not_found', `no item has id ${JSON.stringify(request.params.id)}`);
        return item;
      },
    );

    app.delete<{ Params: Static<typeof IdParams> }>(
      '/items/:id',
      {
        config: { access: 'write' },
        schema: {
          tags: ['items'],
          summary: 'Delete one item.',
          params: IdParams,
          querystring: NoQuery,
          response: { 200: Type.Object({ deleted: Type.Integer() }), 404: errorResponses[400] },
        },
      },
      async (request) => {
        const deleted = await store.items.delete([request.params.id]);
        if (deleted === 0) throw new ShopfusionError('item_not_found', `no item has id ${JSON.stringify(request.params.id)}`);
        return { deleted };
      },
    );

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      '/items',
      {
        config: { access: 'read' },
        schema: {
          tags: ['items'],
          summary: 'List items in id order, a page at a time.',
          querystring: ListQuery,
          response: { 200: pageOf(Item), ...errorResponses },
        },
      },
      async (request) => store.items.list(request.query),
    );
  };
}
