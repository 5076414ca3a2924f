// `npm run eval`: the reference evaluations of the README, on the shared datasets, with their
// reports (JSON, Markdown, SVG charts) written under bench/results/eval/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const datasets = resolve(process.env.SHOPFUSION_DATASETS ?? '../shared/datasets');
const runs = [
  ['ml-100k', 'ml-100k/grouplens', 'movielens', 'msr', 'pop,itemknn,als,bpr,ease,lightgcn'],
  ['amazon-beauty', 'amazon-beauty', 's3rec', 'loo', 'pop,itemknn,als,bpr,ease,markov'],
  ['scientific', 'amazon-unisrec-scientific', 'recbole', 'loo', 'pop,itemknn,als,bpr,ease,markov,text-bm25,vector-use-lite,vector-catalog,vector-adapted'],
  ['ml-100k-kg', 'ml-100k/grouplens', 'movielens', 'msr', 'lightgcn,kg-lightgcn,graph-ppr,als', 'kg-ml100k-recbole'],
  ['amazon-beauty-kg', 'amazon-beauty', 's3rec', 'loo', 'itemknn,als,bpr,markov,lightgcn,kg-lightgcn,graph-ppr'],
  ['beauty-cold-kg', 'amazon-beauty', 's3rec', 'cold-items', 'als,graph-ppr,lightgcn,kg-lightgcn', null, ['--no-search']],
  ['beauty-cold-ppr', 'amazon-beauty', 's3rec', 'cold-items', 'graph-ppr,graph-ppr:factWeight=1:beta=1', null, ['--no-search']],
  ['deep-beauty', 'amazon-beauty', 's3rec', 'loo', 'sasrec,sasrec-text,itemknn,markov'],
  ['deep-scientific', 'amazon-unisrec-scientific', 'recbole', 'loo', 'sasrec,sasrec-text,itemknn,markov'],
  ['deep-scientific-cold', 'amazon-unisrec-scientific', 'recbole', 'cold-items', 'sasrec,sasrec-text,sasrec-text:idDropout=0.3'],
  ['scientific-cold', 'amazon-unisrec-scientific', 'recbole', 'cold-items', 'als,text-bm25,vector-use-lite,vector-catalog,vector-adapted'],
  // The ranking cascade against every one of its channels (issue 7): the default channels of `fusion`.
  ['fusion-ml-100k', 'ml-100k/grouplens', 'movielens', 'msr', 'pop,itemknn,markov,als,ease,sasrec-text,text-bm25,vector-adapted,rrf,fusion-linear,fusion'],
  ['fusion-beauty', 'amazon-beauty', 's3rec', 'loo', 'pop,itemknn,markov,als,sasrec,rrf,fusion-linear,fusion'],
  ['fusion-scientific', 'amazon-unisrec-scientific', 'recbole', 'loo', 'pop,itemknn,markov,als,ease,sasrec-text,text-bm25,vector-adapted,rrf,fusion-linear,fusion'],
  ['fusion-scientific-cold', 'amazon-unisrec-scientific', 'recbole', 'cold-items', 'text-bm25,vector-adapted,sasrec-text,fusion'],
];
// Product search (issue 8): ours and the peers on the same titles and queries.
const searchRuns = [
  ['search-homedepot', 'homedepot-search'],
  ['search-wands', 'wands'],
];
const only = process.argv.slice(2);
let failed = 0;
for (const [name, folder, format, protocol, models, kg, extra = []] of runs) {
  if (only.length && !only.includes(name)) continue;
  const path = join(datasets, folder);
  if (!existsSync(path)) {
    console.log(`skipped ${name}: ${path} is not here (set SHOPFUSION_DATASETS)`);
    continue;
  }
  const args = ['bin/shopfusion.js', 'eval', '--dataset', path, '--format', format, '--protocol', protocol, '--models', models, '--out', `bench/results/eval/${name}.json`];
  if (kg) args.push('--kg', join(datasets, kg));
  args.push(...extra);
  console.log(`\n$ node ${args.join(' ')}`);
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
for (const [name, folder] of searchRuns) {
  if (only.length && !only.includes(name)) continue;
  const path = join(datasets, folder);
  if (!existsSync(path)) {
    console.log(`skipped ${name}: ${path} is not here (set SHOPFUSION_DATASETS)`);
    continue;
  }
  const args = ['bin/shopfusion.js', 'eval-search', '--dataset', path, '--out', `bench/results/eval/${name}.json`];
  console.log(`\n$ node ${args.join(' ')}`);
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
