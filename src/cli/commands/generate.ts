/** `shopfusion generate`: the deterministic demo shop, into the store or into JSON Lines files. */
import type { Command } from 'commander';
import { ShopfusionError } from '../../core/errors.js';
import { terminalProgress } from '../../ingest/progress.js';
import { openStore } from '../../store/open.js';
import { configFrom, parseCount, parseInteger, type GlobalOptions } from '../options.js';

interface GenerateOptions {
  events: number;
  seed: number;
  now?: number;
  out?: string;
}

function parseNow(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ShopfusionError('invalid_argument', `--now must be an ISO 8601 date-time such as 2026-11-29T00:00:00Z; got ${JSON.stringify(text)}`);
  return ms;
}

export function generateCommand(cli: Command): void {
  cli
    .command('generate')
    .description('generate a realistic synthetic shop (seeded, bilingual zh/en)')
    .option('-e, --events <count>', 'number of events, 1k to 1m', parseCount('--events', 1_000, 1_000_000), 20_000)
    .option('--seed <n>', 'random seed', parseInteger('--seed', 0, 2 ** 31 - 1), 42)
    .option('--now <date-time>', 'end of the 90 simulated days (default: now); fix it for byte-identical output', parseNow)
    .option('-o, --out <dir>', 'write items/users/events .jsonl files here instead of the store')
    .action(async (options: GenerateOptions, command: Command) => {
      const started = performance.now();
      const { loadDemoShop, writeDemoShop } = await import('../../ingest/demo/load-demo.js');
      const demo = { events: options.events, seed: options.seed, now: options.now };
      if (options.out !== undefined) {
        const counts = await writeDemoShop(options.out, demo);
        console.log(`wrote ${counts.items} items, ${counts.users} users, ${counts.events} events to ${options.out}`);
        return;
      }
      const config = configFrom(command.optsWithGlobals<GlobalOptions>());
      const store = openStore(config.store);
      try {
        const counts = await loadDemoShop(store, { unknownItems: config.events.unknownItems }, demo, terminalProgress());
        const seconds = (performance.now() - started) / 1000;
        console.log(`stored ${counts.items} items, ${counts.users} users, ${counts.events} events in ${seconds.toFixed(1)} s`);
      } finally {
        await store.close();
      }
    });
}
