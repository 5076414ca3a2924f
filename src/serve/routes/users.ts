/** Users: batch upsert and delete (with their events), get, list. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ShopfusionError } from '../../core/errors.js';
import { User, UserInput } from '../../core/schema.js';
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

const ListQuery = Type.Object(listQueryFields, { additionalProperties: false });
const DeleteResponse = Type.Object({ deleted: Type.Integer(), events: Type.Integer({ description: 'Events removed with them.' }) });

export function userRoutes({ store, ingest, config }: RouteContext) {
  const max = config.server.maxBatchSize;
  return async (app: FastifyInstance) => {
    batchRoute(app, {
      path: '/users',
      field: 'users',
      tag: 'users',
      row: UserInput,
      response: UpsertResponse,
      maxRows: max,
      summary: 'Upsert a batch of users.',
      description: 'Each user replaces the stored one with the same id whole.',
      write: ingest.upsertUsers,
    });

    app.post<{ Body: { ids: string[] } }>(
      '/users/delete',
      {
        config: { access: 'write' },
        preValidation: batchSizeLimit('ids', max),
        schema: {
          tags: ['users'],
          summary: 'Delete a batch of users and all of their events.',
          querystring: NoQuery,
          body: idsBody(max),
          response: { 200: DeleteResponse, ...errorResponses },
        },
      },
      async (request) => {
        const result = await store.users.delete(request.body.ids);
        return { deleted: result.users, events: result.events };
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      '/users/:id',
      {
        config: { access: 'read' },
        schema: { tags: ['users'], summary: 'Get one user.', params: IdParams, querystring: NoQuery, response: { 200: User, 404: errorResponses[400] } },
      },
      async (request) => {
        const user = await store.users.get(request.params.id);
        if (!user) throw new ShopfusionError('user_not_found', `no user has id ${JSON.stringify(request.params.id)}`);
        return user;
      },
    );

    app.delete<{ Params: Static<typeof IdParams> }>(
      '/users/:id',
      {
        config: { access: 'write' },
        schema: {
          tags: ['users'],
          summary: 'Delete one user and all of their events.',
          params: IdParams,
          querystring: NoQuery,
          response: { 200: DeleteResponse, 404: errorResponses[400] },
        },
      },
      async (request) => {
        const result = await store.users.delete([request.params.id]);
        if (result.users === 0 && result.events === 0) {
          throw new ShopfusionError('user_not_found', `no user has id ${JSON.stringify(request.params.id)}`);
        }
        return { deleted: result.users, events: result.events };
      },
    );

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      '/users',
      {
        config: { access: 'read' },
        schema: { tags: ['users'], summary: 'List users in id order.', querystring: ListQuery, response: { 200: pageOf(User), ...errorResponses } },
      },
      async (request) => store.users.list(request.query),
    );
  };
}
