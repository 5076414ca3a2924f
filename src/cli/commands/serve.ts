/** `shopfusion serve`: the HTTP API on the configured store, with the demo shop if it is empty. */
import type { Command } from 'commander';
import { openStore } from '../../store/open.js';
import { configFrom, parseInteger, type GlobalOptions } from '../options.js';

interface ServeOptions {
  host?: string;
  port?: number;
  demo: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function serveCommand(cli: Command): void {
  cli
    .command('serve')
    .description('serve the HTTP API (OpenAPI UI at /docs)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on (default 8080)', parseInteger('--port', 0, 65535))
    .option('--no-demo', 'do not load the demo shop into an empty store')
    .action(async (options: ServeOptions, command: Command) => {
      const server: Record<string, unknown> = {};
      if (options.host !== undefined) server.host = options.host;
      if (options.port !== undefined) server.port = options.port;
      const flags: Record<string, unknown> = {};
      if (Object.keys(server).length) flags.server = server;
      if (!options.demo) flags.demo = { loadIfEmpty: false };
      let config = configFrom(command.optsWithGlobals<GlobalOptions>(), flags);
      // Loaded here, not at the top: other commands start faster without the HTTP stack.
      const { buildApp } = await import('../../serve/app.js');
      const { loadDemoShop } = await import('../../ingest/demo/load-demo.js');
      const store = openStore(config.store);
      const loadDemo = config.demo.loadIfEmpty && (await store.isEmpty());
      // The catalog is embedded once the demo shop is in, not while the store is still empty.
      if (loadDemo) config = configFrom(command.optsWithGlobals<GlobalOptions>(), { ...flags, embedding: { onStart: false } });
      const app = await buildApp({ store, config });
      const headers = config.server.apiKey ? { authorization: `Bearer ${config.server.apiKey}` } : {};
      if (loadDemo) {
        app.log.info({ events: config.demo.events, seed: config.demo.seed }, 'store is empty: loading the demo shop');
        const counts = await loadDemoShop(store, { unknownItems: config.events.unknownItems }, { events: config.demo.events, seed: config.demo.seed });
        app.log.info(counts, 'demo shop loaded');
        // A demo should recommend from the first request: train the configured models once.
        const { ModelRepository } = await import('../../models/repository.js');
        const repository = new ModelRepository(config.models.dir);
        if (repository.names().length === 0) {
          const { trainModels } = await import('../../models/train.js');
          const trained = await trainModels({ store, repository, models: config.models.train, weights: config.events.weights });
          app.log.info({ models: trained.map((t) => `${t.model}@${t.version ?? 'skipped'}`) }, 'trained models on the demo shop');
          await app.inject({ method: 'POST', url: '/models/reload', headers });
        }
        if (config.graph.enabled) await app.inject({ method: 'POST', url: '/graph/rebuild', headers });
        if (config.search.enabled) await app.inject({ method: 'POST', url: '/search/rebuild', headers });
        if (config.embedding.provider !== 'none') {
          await app.inject({ method: 'POST', url: '/embedding/sync', headers });
        }
      }
      if (config.server.apiKey === undefined && !LOOPBACK.has(config.server.host)) {
        app.log.warn('no server.apiKey is set and the server listens beyond loopback: anyone who can reach it can write');
      }
      let closing = false;
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        app.log.info({ signal }, 'shutting down');
        await app.close();
        await store.close();
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      await app.listen({ host: config.server.host, port: config.server.port });
    });
}
