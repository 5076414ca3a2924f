/** `shopfusion eval-search`: product search quality on Home Depot or WANDS, ours and the peers side by side. */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { parseInteger } from '../options.js';

interface EvalSearchOptions {
  dataset: string;
  systems?: string;
  seed: number;
  folds: number;
  embedCache: string;
  semantic: boolean;
  out?: string;
}

export function evalSearchCommand(cli: Command): void {
  cli
    .command('eval-search')
    .description('evaluate product search on a judged dataset (Home Depot: NDCG@10 full and rerank, with typos; WANDS: ROC-AUC)')
    .requiredOption('-d, --dataset <path>', 'homedepot-search or wands folder')
    .option('--systems <names>', 'comma-separated subset of: bm25, semantic, hybrid, hybrid-rrf, shopfusion, minisearch, orama')
    .option('--seed <n>', 'seed of the typo injection and the query folds', parseInteger('--seed', 0, 2 ** 31 - 1), 42)
    .option('--folds <n>', 'cross-validation folds over queries for anything fitted on the judgements', parseInteger('--folds', 2, 20), 5)
    .option('--no-semantic', 'leave out the systems that need item vectors (no embedding)')
    .option('--embed-cache <dir>', 'folder that keeps item vectors between runs on the same dataset', './data/embed-cache')
    .option('-o, --out <file.json>', 'write the JSON report')
    .action(async (options: EvalSearchOptions) => {
      const { loadSearchDataset } = await import('../../eval/search-data.js');
      const { evaluateRanking, renderSearchTable } = await import('../../eval/search-eval.js');
      const { evaluatePairs } = await import('../../eval/search-pairs.js');
      const started = performance.now();
      const data = loadSearchDataset(options.dataset);
      const common = {
        seed: options.seed,
        folds: options.folds,
        semantic: options.semantic,
        embedCache: options.embedCache,
        log: (line: string) => console.error(line),
        ...(options.systems && { systems: options.systems.split(',').map((s) => s.trim()).filter(Boolean) }),
      };
      const report = data.kind === 'ranking' ? await evaluateRanking(data, common) : await evaluatePairs(data, common);
      console.log(renderSearchTable(report));
      if (options.out) {
        mkdirSync(dirname(options.out), { recursive: true });
        writeFileSync(options.out, `${JSON.stringify({ ...report, date: new Date().toISOString() }, null, 2)}\n`);
        console.log(`wrote ${options.out}`);
      }
      console.error(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });
}
