/** Behaviour events: batch insert (idempotent by id) and filtered listing. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Event, EventInput, EVENT_TYPES } from '../../core/schema.js';
import type { RouteContext } from '../context.js';
import {
  batchRoute,
  errorResponses,
  IdParams,
  listQueryFields,
  pageOf,
  RowErrorSchema,
} from './common.js';

const EventListQuery = Type.Object(
  {
    ...listQueryFields,
    userId: Type.Optional(Type.String({ minLength: 1 })),
    sessionId: Type.Optional(Type.String({ minLength: 1 })),
    itemId: Type.Optional(Type.String({ minLength: 1 })),
    type: Type.Optional(Type.Unsafe<(typeof EVENT_TYPES)[number]>({ type: 'string', enum: [...EVENT_TYPES] })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Events at or after this time.' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Events before this time.' })),
    order: Type.Unsafe<'asc' | 'desc'>({ type: 'string', enum: ['asc', 'desc'], default: 'asc', description: 'Order of receipt.' }),
  },
  { additionalProperties: false },
);

const UserEventsQuery = Type.Object(listQueryFields, { additionalProperties: false });

const EventBatchResponse = Type.Object({
  inserted: Type.Integer(),
  duplicates: Type.Integer({ description: 'Events whose id was already stored; they are not stored twice.' }),
  rejected: Type.Array(RowErrorSchema),
});

function time(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Date.parse(value);
}

export function eventRoutes({ store, ingest, config }: RouteContext) {
  const max = config.server.maxBatchSize;
  return async (app: FastifyInstance) => {
    batchRoute(app, {
      path: '/events',
      field: 'events',
      tag: 'events',
      row: EventInput,
      response: EventBatchResponse,
      maxRows: max,
      summary: 'Insert a batch of behaviour events.',
      description:
        'Events are durable (fsynced) before the answer. An event whose id is already stored is counted in ' +
        '`duplicates` and not stored again; an event without an id but with a timestamp gets one derived from ' +
        'its content, so a retried batch is stored once (send an id or a timestamp to make retries safe). Events for items not in the catalog are stored (the item may arrive ' +
        'later) unless events.unknownItems is "reject".',
      write: ingest.insertEvents,
    });

    app.get<{ Querystring: Static<typeof EventListQuery> }>(
      '/events',
      {
        config: { access: 'read' },
        schema: {
          tags: ['events'],
          summary: 'List events, filtered, in order of receipt.',
          querystring: EventListQuery,
          response: { 200: pageOf(Event), ...errorResponses },
        },
      },
      async (request) => {
        const { since, until, ...rest } = request.query;
        return store.events.list({ ...rest, since: time(since), until: time(until) });
      },
    );

    app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof UserEventsQuery> }>(
      '/users/:id/events',
      {
        config: { access: 'read' },
        schema: {
          tags: ['events'],
          summary: "A user's events, newest first.",
          params: IdParams,
          querystring: UserEventsQuery,
          response: { 200: pageOf(Event), ...errorResponses },
        },
      },
      async (request) => store.events.list({ ...request.query, userId: request.params.id, order: 'desc' }),
    );
  };
}
