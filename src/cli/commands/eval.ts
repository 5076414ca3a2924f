/** `shopfusion eval`: offline evaluation of models on a dataset under a named protocol. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ShopfusionError } from '../../core/errors.js';
import { MODELS, modelRef } from '../../models/registry.js';
import { IMPORTERS } from '../../ingest/importers/index.js';
import { parseInteger } from '../options.js';

interface EvalCliOptions {
  dataset: string;
  format: string;
  protocol: 'msr' | 'loo' | 'random' | 'cold-items';
  models: string[];
  k: number[];
  seed: number;
  search: boolean;
  out?: string;
  embedCache: string;
  kg?: string;
}

const TABLE_METRICS = ['ndcg@10', 'hr@10', 'recall@10', 'precision@10', 'mrr@10', 'map@10', 'coverage@10'];

function parseModels(text: string): string[] {
  const names = text.split(',').map((m) => m.trim()).filter(Boolean);
  if (names.length === 0) throw new ShopfusionError('invalid_argument', `--models needs at least one of: ${MODELS.map((m) => m.name).join(', ')}`);
  for (const name of names) modelRef(name);
  return names;
}

function parseKs(text: string): number[] {
  return text.split(',').map((k) => parseInteger('--k', 1, 1000)(k.trim()));
}

export function evalCommand(cli: Command): void {
  cli
    .command('eval')
    .description('evaluate models on a dataset under a named protocol (full ranking, training items excluded)')
    .requiredOption('-d, --dataset <path>', 'dataset file or folder')
    .addOption(new Option('-f, --format <format>', 'dataset format (an import format)').choices(IMPORTERS.map((i) => i.format)).makeOptionMandatory())
    .addOption(new Option('-p, --protocol <name>', 'msr | loo | random | cold-items (see README)').choices(['msr', 'loo', 'random', 'cold-items']).makeOptionMandatory())
    .requiredOption('-m, --models <names>', `comma-separated, each name or name:key=value:…: ${MODELS.map((m) => m.name).join(', ')}`, parseModels)
    .option('-k, --k <list>', 'cut-offs, comma-separated', parseKs, [5, 10, 20])
    .option('--seed <n>', 'seed of the split and the models', parseInteger('--seed', 0, 2 ** 31 - 1), 42)
    .option('--no-search', 'use default parameters instead of searching on the validation split')
    .option('--kg <folder>', 'knowledge-graph triples to load with the dataset (RecBole .kg + .link whose links name its item ids)')
    .option('--embed-cache <dir>', 'folder that keeps item vectors between runs on the same dataset', './data/embed-cache')
    .option('-o, --out <file.json>', 'write the JSON report, a Markdown report and SVG charts beside it')
    .action(async (options: EvalCliOptions) => {
      const { loadDataset } = await import('../../eval/datasets.js');
      const { itemContent } = await import('../../embed/item-vectors.js');
      const { evaluate } = await import('../../eval/harness.js');
      const { writeReport } = await import('../../eval/report.js');
      const started = performance.now();
      const { interactions, texts, items, triples } = await loadDataset(options.format, options.dataset, options.kg ? { kg: options.kg } : {});
      console.error(`loaded ${interactions.length.toLocaleString('en-US')} interactions, ${interactions.users.size} users, ${interactions.items.size} items`);
      const report = await evaluate({
        dataset: options.dataset,
        interactions,
        content: { ...itemContent(texts, { log: (line) => console.error(line), cacheDir: options.embedCache }), records: items, triples, itemIds: interactions.items.ids },
        protocol: options.protocol,
        models: options.models,
        ks: options.k,
        seed: options.seed,
        search: options.search,
        log: (line) => console.error(line),
      });
      const header = ['model', ...TABLE_METRICS, 'fit s'];
      const rows = report.results.map((r) =>
        r.skipped ? [r.model, `skipped: ${r.skipped}`] : [r.model, ...TABLE_METRICS.map((m) => (r.metrics[m] ?? 0).toFixed(4)), r.fitSeconds.toFixed(1)],
      );
      console.log(`${report.dataset} — protocol ${report.protocol}, seed ${report.seed}: ${report.stats.train} train / ${report.stats.valid} valid / ${report.stats.test} test rows, ${report.stats.testUsers} test users`);
      const width = Math.max(10, ...report.results.map((r) => r.model.length));
      console.log(header.map((h, i) => (i === 0 ? h.padEnd(width) : h.padStart(12))).join(' '));
      for (const row of rows) console.log(row.map((c, i) => (i === 0 ? c.padEnd(width) : c.padStart(12))).join(' '));
      if (options.out) {
        const written = await writeReport(report, options.out);
        console.log(`wrote ${written.json}, ${written.markdown} and ${written.charts.length} charts`);
      }
      console.error(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });
}
