/**
 * `npm run bench -- <name>`: runs a benchmark, prints its table and writes bench/results/<name>.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { deepBenchmark } from './deep.js';
import { embedBenchmark } from './embed.js';
import { graphBenchmark } from './graph.js';
import { ingestBenchmark } from './ingest.js';
import { recommendBenchmark } from './recommend.js';
import { searchBenchmark } from './search.js';
import { trainBenchmark } from './train.js';

export interface BenchResult {
  name: string;
  table: string;
  data: Record<string, unknown>;
}

const BENCHMARKS: Record<string, () => Promise<BenchResult>> = {
  deep: deepBenchmark,
  embed: embedBenchmark,
  graph: graphBenchmark,
  ingest: ingestBenchmark,
  recommend: recommendBenchmark,
  search: searchBenchmark,
  train: trainBenchmark,
};

const names = process.argv.slice(2);
if (names.length === 0 || names.some((n) => !(n in BENCHMARKS))) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> ...`);
  process.exit(2);
}
mkdirSync('bench/results', { recursive: true });
for (const name of names) {
  const result = await (BENCHMARKS[name] as () => Promise<BenchResult>)();
  const file = join('bench/results', `${name}.json`);
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform };
  writeFileSync(file, `${JSON.stringify({ name, date: new Date().toISOString(), machine, ...result.data }, null, 2)}\n`);
  console.log(result.table);
  console.log(`\nwrote ${file}`);
}
