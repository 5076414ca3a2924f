/** `shopfusion embed`: bring the store's item vectors up to date with the catalog's text. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { openStore } from '../../store/open.js';
import { configFrom, parseInteger, type GlobalOptions } from '../options.js';

interface EmbedCliOptions {
  provider?: 'use-lite' | 'onnx' | 'http';
  onnxDir?: string;
  threads?: number;
  drop?: string[];
}

export function embedCommand(cli: Command): void {
  cli
    .command('embed')
    .description('embed new and changed catalog items with the configured embedder (worker threads, only what changed)')
    .addOption(new Option('--provider <name>', 'embedding provider (default: embedding.provider)').choices(['use-lite', 'onnx', 'http']))
    .option('--onnx-dir <folder>', 'onnx: folder with model.onnx and tokenizer.json')
    .option('--threads <n>', 'worker threads (default: embedding.threads)', parseInteger('--threads', 1, 64))
    .option('--drop <embedder-ids...>', 'also delete every vector of these embedder ids (after switching models)')
    .action(async (options: EmbedCliOptions, command: Command) => {
      const embedding: Record<string, unknown> = {};
      if (options.provider) embedding.provider = options.provider;
      if (options.onnxDir) embedding.onnxDir = options.onnxDir;
      if (options.threads) embedding.threads = options.threads;
      const config = configFrom(command.optsWithGlobals<GlobalOptions>(), { embedding });
      const { createEmbedder, embedderSpecFromConfig } = await import('../../embed/providers.js');
      const { syncItemVectors } = await import('../../embed/item-embeddings.js');
      const { terminalProgress } = await import('../../ingest/progress.js');
      const spec = embedderSpecFromConfig(config.embedding);
      if (!spec) {
        console.log('embedding.provider is none: nothing to embed');
        return;
      }
      const store = openStore(config.store);
      const progress = terminalProgress();
      try {
        const embedder = await createEmbedder(spec);
        progress.start('embed', 0);
        let started = false;
        const report = await syncItemVectors(store, spec, embedder, {
          threads: config.embedding.threads,
          progress: (done, total) => {
            if (!started) progress.start('embed', total);
            started = true;
            progress.update(done, { texts: done });
          },
        });
        progress.stop();
        console.log(
          `${report.embedder}: ${report.embedded} embedded, ${report.unchanged} unchanged, ${report.withoutVector} without a vector, ` +
            `${report.removed} removed (${report.items} items, ${report.seconds.toFixed(1)} s)`,
        );
        for (const r of report.refused.slice(0, 10)) console.log(`  refused ${r.itemId}: ${r.reason}`);
        if (report.refused.length > 10) console.log(`  ... and ${report.refused.length - 10} more`);
        for (const id of options.drop ?? []) console.log(`dropped ${await store.vectors.drop(id)} vectors of ${id}`);
        await embedder.close?.();
      } finally {
        progress.stop();
        await store.close();
      }
    });
}
