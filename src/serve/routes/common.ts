/** Schemas and helpers shared by the route modules. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifySchema } from 'fastify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { ShopfusionError } from '../../core/errors.js';
import { coercingAjv, strictAjv } from '../../core/validate.js';
import { Id } from '../../core/schema.js';
import { rejectedBatchError, type BatchOptions, type RowError } from '../../ingest/batch.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const ErrorResponse = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  },
  { title: 'Error' },
);

export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  413: ErrorResponse,
};

export const RowErrorSchema = Type.Object({
  index: Type.Integer({ description: 'Position of the row in the batch, from 0.' }),
  id: Type.Optional(Type.String()),
  errors: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
});

export const UpsertResponse = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Array(RowErrorSchema),
});

export const listQueryFields = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'nextCursor of the previous page.' })),
};

export const AtomicQuery = Type.Object(
  {
    atomic: Type.Boolean({
      default: false,
      description: 'true: store nothing if any row is invalid. false (default): store the valid rows, report the rest.',
    }),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });

/** For routes that take no query parameters: a misspelt one is an error, not silently ignored. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

/** `{ ids: [...] }` bodies of batch deletes. */
export function idsBody(maxItems: number) {
  return Type.Object({ ids: Type.Array(Id, { maxItems }) }, { additionalProperties: false });
}

export function pageOf(row: TSchema) {
  return Type.Object({ data: Type.Array(row), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export function batchBody(field: string, row: TSchema, maxItems: number) {
  return Type.Object({ [field]: Type.Array(row, { maxItems }) }, { additionalProperties: false });
}

/**
 * A route-level validator for batch routes: the body's envelope is checked here, its rows one by
 * one in the handler, so one bad row does not sink the valid ones.
 */
export function batchValidator(field: string) {
  const envelope = strictAjv.compile({
    type: 'object',
    required: [field],
    properties: { [field]: { type: 'array' } },
    additionalProperties: false,
  });
  return ({ schema, httpPart }: FastifyRouteSchemaDef<FastifySchema>) =>
    httpPart === 'body' ? envelope : coercingAjv.compile(schema as object);
}

/**
 * A preValidation hook: a batch over the limit is refused as `batch_too_large` before its rows are
 * validated (and before schema validation would call it a mere `maxItems` failure).
 */
export function batchSizeLimit(field: string, max: number) {
  return async (request: FastifyRequest) => {
    const rows = (request.body as Record<string, unknown> | null | undefined)?.[field];
    if (Array.isArray(rows)) checkBatchSize(rows, max, field);
  };
}

function checkBatchSize(rows: readonly unknown[], max: number, field: string): void {
  if (rows.length > max) {
    throw new ShopfusionError(
      'batch_too_large',
      `/${field}: ${rows.length} rows is more than the limit of ${max} per request (server.maxBatchSize); split the batch`,
      { details: [{ path: `/${field}`, message: `must have at most ${max} rows` }] },
    );
  }
}

/** Atomic batches with a bad row, and batches with no valid row, are errors; others report rows. */
export function settleBatch<T extends { rejected: RowError[] }>(result: T, total: number, atomic: boolean): T {
  const nothingValid = total > 0 && result.rejected.length === total;
  if (result.rejected.length > 0 && (atomic || nothingValid)) throw rejectedBatchError(result.rejected, total);
  return result;
}

export interface BatchRoute<R extends { rejected: RowError[] }> {
  path: string;
  /** The body's array field, also the JSON pointer of its rows: `items` → `/items/3/price`. */
  field: string;
  tag: string;
  row: TSchema;
  response: TSchema;
  maxRows: number;
  summary: string;
  description: string;
  write: (rows: readonly unknown[], options: BatchOptions) => Promise<R>;
}

const BATCH_RULES =
  'Invalid rows are reported in `rejected` with their index and fields; the valid rows are stored, unless ' +
  '`atomic=true`, which stores nothing when any row is invalid. A batch with no valid row is answered 400.';

/** A write route taking `{ <field>: [rows] }` with the batch rules every such route shares. */
export function batchRoute<R extends { rejected: RowError[] }>(app: FastifyInstance, route: BatchRoute<R>): void {
  app.post<{ Body: Record<string, unknown[]>; Querystring: Static<typeof AtomicQuery> }>(
    route.path,
    {
      config: { access: 'write' },
      validatorCompiler: batchValidator(route.field),
      preValidation: batchSizeLimit(route.field, route.maxRows),
      schema: {
        tags: [route.tag],
        summary: route.summary,
        description: `${route.description} ${BATCH_RULES}`,
        querystring: AtomicQuery,
        body: batchBody(route.field, route.row, route.maxRows),
        response: { 200: route.response, ...errorResponses },
      },
    },
    async (request) => {
      const rows = request.body[route.field] as unknown[];
      const atomic = request.query.atomic;
      return settleBatch(await route.write(rows, { atomic, pointer: `/${route.field}` }), rows.length, atomic);
    },
  );
}
