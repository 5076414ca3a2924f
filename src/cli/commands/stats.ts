/** `shopfusion stats`: what the store holds. */
import type { Command } from 'commander';
import { openStore } from '../../store/open.js';
import { configFrom, type GlobalOptions } from '../options.js';

export function statsCommand(cli: Command): void {
  cli
    .command('stats')
    .description('print counts of items, users, events and triples in the store')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalOptions>());
      const store = openStore(config.store);
      try {
        const s = await store.stats();
        if (options.json) {
          console.log(JSON.stringify(s, null, 2));
          return;
        }
        const n = (v: number) => v.toLocaleString('en-US');
        console.log(`store     ${config.store} (${s.backend}${s.bytes === null ? '' : `, ${n(s.bytes)} bytes`})`);
        console.log(`items     ${n(s.items.total)} (${n(s.items.available)} available)`);
        console.log(`users     ${n(s.users)}`);
        console.log(`events    ${n(s.events.total)} from ${n(s.events.distinctUsers)} users and ${n(s.events.distinctSessions)} sessions`);
        for (const [type, count] of Object.entries(s.events.byType)) console.log(`  ${type.padEnd(12)} ${n(count)}`);
        if (s.events.first) console.log(`  span       ${s.events.first} .. ${s.events.last}`);
        console.log(`  for items not in the catalog: ${n(s.events.unknownItems)}`);
        console.log(`triples   ${n(s.triples)}`);
      } finally {
        await store.close();
      }
    });
}
