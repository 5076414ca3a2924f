/**
 * The HTTP shell around the engine: fastify with strict JSON bodies, one error format, API keys
 * and the OpenAPI document. No engine logic lives here; routes call the store and the ingestor.
 */
import { isUtf8 } from 'node:buffer';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from '../core/config.js';
import { ERROR_CATALOG, ShopfusionError, describeFieldErrors } from '../core/errors.js';
import { coercingAjv, formatAjvErrors, strictAjv } from '../core/validate.js';
import { createIngestor } from '../ingest/batch.js';
import type { Store } from '../store/types.js';
import { authHook } from './auth.js';
import { healthRoutes } from './routes/health.js';
import { itemRoutes } from './routes/items.js';
import { userRoutes } from './routes/users.js';
import { eventRoutes } from './routes/events.js';
import { popularRoutes } from './routes/popular.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { recommendRoutes } from './routes/recommend.js';
import { embeddingRoutes } from './routes/embedding.js';
import { graphRoutes } from './routes/graph.js';
import { createEmbedder, embedderSpecFromConfig } from '../embed/providers.js';
import { SemanticIndex } from '../recall/semantic-index.js';
import { GraphIndex } from '../recall/graph-index.js';
import { SearchService } from '../search/service.js';
import { searchSettings } from '../search/settings.js';
import { searchRoutes } from './routes/search.js';
import type { RouteContext } from './context.js';
import { ModelRepository } from '../models/repository.js';
import { ModelServing } from '../models/serving.js';

export interface AppOptions {
  store: Store;
  config: Readonly<Config>;
  /** Pino logger options or false; defaults to the configured level. */
  logger?: boolean | { level: string };
  version?: string;
}

const CONTEXT_NAMES: Record<string, string> = { querystring: 'query', params: 'path', headers: 'header', body: '' };

/** Bodies are validated exactly ("12" is not a price); query strings and paths are coerced. */
function compileValidator({ schema, httpPart }: { schema: Record<string, unknown>; httpPart?: string }) {
  return (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema);
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { store, config } = options;
  const app = Fastify({
    logger: options.logger ?? (config.server.logLevel === 'silent' ? false : { level: config.server.logLevel }),
    bodyLimit: config.server.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: config.server.logLevel !== 'debug' }),
    return503OnClosing: true,
    // Ids may be 256 characters, and 9 URL bytes each when percent-encoded.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const failure =
        error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new ShopfusionError('invalid_url', `the URL is not valid: ${error.message}; percent-encode ids in paths`)
          : new ShopfusionError('validation_failed', error.message);
      void reply.status(failure.status).send(failure.toBody());
    },
  });

  app.setValidatorCompiler(compileValidator);

  // JSON is the only body type. Reject invalid UTF-8 instead of silently replacing it, and name the problem.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const buffer = body as Buffer;
    if (!isUtf8(buffer)) {
      done(new ShopfusionError('invalid_encoding', 'the body is not valid UTF-8; send JSON encoded as UTF-8'), undefined);
      return;
    }
    const text = buffer.toString('utf8');
    if (text.trim() === '') {
      done(new ShopfusionError('invalid_json', 'the body is empty; send a JSON object'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (cause) {
      done(new ShopfusionError('invalid_json', `the body is not valid JSON: ${(cause as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((error: FastifyError & { validation?: unknown }, request, reply) => {
    let failure: ShopfusionError;
    if (error instanceof ShopfusionError) {
      failure = error;
    } else if (Array.isArray(error.validation)) {
      const context = CONTEXT_NAMES[error.validationContext ?? 'body'] ?? '';
      const details = formatAjvErrors(error.validation, context).map((d) => ({
        path: d.path.replace(/^(query|path|header)\//, '$1.'),
        message: d.message,
      }));
      failure = new ShopfusionError('validation_failed', describeFieldErrors(details), { details });
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      failure = new ShopfusionError(
        'payload_too_large',
        `the body is larger than the limit of ${config.server.bodyLimitBytes} bytes (server.bodyLimitBytes); split it into smaller batches`,
      );
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      failure = new ShopfusionError(
        'unsupported_media_type',
        `content type ${JSON.stringify(request.headers['content-type'] ?? '')} is not accepted; send application/json`,
      );
    } else if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      failure = new ShopfusionError('invalid_json', 'the body is empty; send a JSON object');
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      failure = new ShopfusionError('validation_failed', error.message);
    } else {
      request.log.error({ err: error }, 'request failed');
      failure = new ShopfusionError('internal_error', error.message, { cause: error });
    }
    if (failure.kind === 'internal' && failure.code === 'internal_error' && error instanceof ShopfusionError) {
      request.log.error({ err: error }, 'request failed');
    }
    void reply.status(failure.status).send(failure.toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    const failure = new ShopfusionError('route_not_found', `no route ${request.method} ${request.url.split('?')[0]}; see /docs for the API`);
    void reply.status(failure.status).send(failure.toBody());
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Shopfusion API',
        version: options.version ?? '0.1.0',
        description: [
          'Search and recommendation engine for online shops.',
          '',
          'Errors: every 4xx/5xx body is `{ code, message, details? }`. Codes:',
          ...Object.entries(ERROR_CATALOG).map(([code, spec]) => `- \`${code}\` (${spec.status}): ${spec.summary}`),
        ].join('\n'),
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'The write key or the read key.' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', authHook(config.server));

  const models = new ModelServing(new ModelRepository(config.models.dir), config.models.default);
  models.reload();
  await models.addStoredItems(store.vectors);
  const semantic = await startSemanticIndex(store, config, app);
  const graph = startGraphIndex(store, config, app);
  const search = startSearch(store, config, app, semantic);
  const context: RouteContext = {
    store,
    config,
    ingest: createIngestor(store, {
      unknownItems: config.events.unknownItems,
      ...(semantic || graph || search
        ? {
            onItems: (items) => {
              search?.upsertInputs(items, Date.now());
              graph?.itemsChanged(items);
              void semantic
                ?.itemsChanged(items)
                // Once embedded, text-reading models (sasrec-text) can score new items at once.
                .then(() => models.addItemsFromVectors(store.vectors, items.map((i) => i.id)))
                .catch((error: Error) => app.log.error({ err: error }, 'embedding new items failed'));
            },
          }
        : {}),
      ...(graph || search
        ? {
            onEvents: (events, counts) => {
              graph?.eventsInserted(events, counts);
              // A batch with retried events cannot say which are new: popularity catches up at the next start.
              if (counts.duplicates === 0) search?.recordEvents(events);
            },
          }
        : {}),
    }),
    models,
    ...(semantic ? { semantic } : {}),
    ...(graph ? { graph } : {}),
    ...(search ? { search } : {}),
  };
  await app.register(healthRoutes(context));
  await app.register(itemRoutes(context));
  await app.register(userRoutes(context));
  await app.register(eventRoutes(context));
  await app.register(popularRoutes(context));
  await app.register(recommendationRoutes(context));
  await app.register(recommendRoutes(context));
  await app.register(embeddingRoutes(context));
  await app.register(graphRoutes(context));
  await app.register(searchRoutes(context));
  return app;
}

/**
 * The knowledge graph, built from the store in the background (the server answers meanwhile) and
 * kept current by the ingestor's hooks. Deletes go straight to the store, so the graph hears of
 * them from their routes' answers.
 */
function startGraphIndex(store: Store, config: Readonly<Config>, app: FastifyInstance): GraphIndex | undefined {
  if (!config.graph.enabled) return undefined;
  const graph = new GraphIndex(store, {
    alpha: config.graph.alpha,
    refreshSeconds: config.graph.refreshSeconds,
    degreePenalty: config.graph.degreePenalty,
    eventWeights: config.events.weights,
    ...(config.graph.relations ? { relations: config.graph.relations } : {}),
    onError: (error, what) => app.log.error({ err: error }, what),
  });
  graph.start();
  app.addHook('onClose', () => graph.close());
  app.addHook('onSend', async (request, reply) => {
    if (reply.statusCode !== 200) return;
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    const ids = () => ((request.body as { ids?: string[] } | undefined)?.ids ?? []);
    const id = () => [(request.params as { id: string }).id];
    if (route === 'POST /items/delete') graph.itemsDeleted(ids());
    else if (route === 'DELETE /items/:id') graph.itemsDeleted(id());
    else if (route === 'POST /users/delete') graph.usersDeleted(ids());
    else if (route === 'DELETE /users/:id') graph.usersDeleted(id());
  });
  return graph;
}

/**
 * Product search over the catalog: every item and event read from the store in the background
 * at start (search requests wait for it), then kept current by the ingestor's hooks (items and
 * events) and the delete routes' answers. An item changed or deleted while the catalog is being
 * read keeps its newer state.
 */
function startSearch(store: Store, config: Readonly<Config>, app: FastifyInstance, semantic: SemanticIndex | undefined): SearchService | undefined {
  if (!config.search.enabled) return undefined;
  const search = new SearchService(searchSettings(config.search), config.events.weights, semantic);
  search.load(async (visit) => {
    for (let cursor: string | undefined; ; ) {
      const page = await store.items.list({ limit: 1000, ...(cursor !== undefined && { cursor }) });
      visit.items(page.data);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    for await (const batch of store.events.scan(5000)) visit.events(batch);
  }).catch((error: Error) => app.log.error({ err: error }, 'indexing the catalog for search failed'));
  app.addHook('onSend', async (request, reply) => {
    if (reply.statusCode !== 200) return;
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    if (route === 'POST /items/delete') search.remove((request.body as { ids?: string[] } | undefined)?.ids ?? []);
    else if (route === 'DELETE /items/:id') search.remove([(request.params as { id: string }).id]);
  });
  return search;
}

/**
 * The configured embedder and the index of the vectors already stored; with `embedding.onStart`
 * the catalog's new and changed items are embedded in the background while the server answers.
 */
async function startSemanticIndex(store: Store, config: Readonly<Config>, app: FastifyInstance): Promise<SemanticIndex | undefined> {
  const spec = embedderSpecFromConfig(config.embedding);
  if (!spec) return undefined;
  const semantic = new SemanticIndex(await createEmbedder(spec), spec, store, { threads: config.embedding.threads });
  await semantic.rebuild();
  app.addHook('onClose', () => semantic.close());
  if (config.embedding.onStart) {
    semantic.sync().then(
      (report) => app.log.info({ embedding: { ...report, refused: report.refused.length } }, 'catalog embedded'),
      (error: Error) => app.log.error({ err: error }, 'embedding the catalog failed'),
    );
  }
  return semantic;
}
