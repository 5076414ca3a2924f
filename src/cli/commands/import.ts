/** `shopfusion import <format> <path>`: streaming import with a progress bar and a summary. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ShopfusionError } from '../../core/errors.js';
import type { EventType } from '../../core/schema.js';
import { runImport } from '../../ingest/run-import.js';
import { IMPORTERS } from '../../ingest/importers/index.js';
import type { ImportSummary } from '../../ingest/importers/import-job.js';
import type { Entity } from '../../ingest/importers/types.js';
import { terminalProgress } from '../../ingest/progress.js';
import { openStore } from '../../store/open.js';
import { configFrom, eventTypeOption, parseInteger, type GlobalOptions } from '../options.js';

interface ImportOptions {
  entity?: Entity;
  delimiter?: string;
  map?: Record<string, string>;
  columns?: string[];
  idFrom?: string;
  eventType?: EventType;
  batchSize?: number;
  json?: boolean;
}

const n = (value: number) => value.toLocaleString('en-US');

export function formatSummary(s: ImportSummary): string {
  const lines = [
    `imported ${s.format} from ${s.source} in ${s.seconds.toFixed(1)} s`,
    `  ${n(s.stored.users)} users, ${n(s.stored.items)} items, ${n(s.stored.events)} events, ${n(s.stored.triples)} triples stored`,
    `  read: ${n(s.read.users)} users, ${n(s.read.items)} items, ${n(s.read.events)} events, ${n(s.read.triples)} triples`,
    `  unchanged: ${n(s.unchanged)}; duplicates (already stored): ${n(s.duplicates)}; rejected: ${n(s.rejected)}`,
  ];
  if (s.read.events > 0 && s.seconds > 0) lines.push(`  ${n(Math.round(s.read.events / s.seconds))} events/s`);
  for (const r of s.rejections.slice(0, 20)) {
    lines.push(`  rejected ${r.file}:${r.line}: ${r.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')}`);
  }
  if (s.rejected > 20) lines.push(`  ... ${n(s.rejected - Math.min(20, s.rejections.length))} more rejected rows (--json lists ${s.rejections.length})`);
  return lines.join('\n');
}

function parseMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const [from, to, extra] = pair.split('=');
    if (!from || to === undefined || extra !== undefined) {
      throw new ShopfusionError('invalid_argument', `--map takes from=to pairs separated by commas (an empty "to" drops the column); got ${JSON.stringify(pair)}`);
    }
    map[from.trim()] = to.trim();
  }
  return map;
}

export function importCommand(cli: Command): void {
  cli
    .command('import')
    .description('import a catalog, users and events from files')
    .argument('<format>', `input format: ${IMPORTERS.map((i) => i.format).join(', ')}`)
    .argument('<path>', 'file or folder to read')
    .addOption(new Option('--entity <entity>', 'what jsonl/csv rows are (default: from the file name)').choices(['items', 'users', 'events']))
    .option('--delimiter <char>', 'csv field separator (default , or tab for .tsv/.txt)')
    .option('--map <renames>', 'csv: rename columns, e.g. product_uid=id,product_title=title,query= (empty target drops)', parseMap)
    .option('--columns <names>', 'csv: column names of a file without a header row, comma-separated', (t: string) => t.split(',').map((c) => c.trim()))
    .option('--id-from <field>', 'csv: derive ids from this field (files without an id column)')
    .addOption(eventTypeOption())
    .option('--batch-size <rows>', 'rows per transaction', parseInteger('--batch-size', 1, 100_000))
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `\nFormats:\n${IMPORTERS.map((i) => `  ${i.format.padEnd(12)} ${i.description}`).join('\n')}`)
    .action(async (format: string, path: string, options: ImportOptions, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalOptions>());
      const store = openStore(config.store);
      try {
        const summary = await runImport({
          format,
          path,
          store,
          policy: { unknownItems: config.events.unknownItems },
          progress: options.json ? undefined : terminalProgress(),
          batchSize: options.batchSize,
          entity: options.entity,
          delimiter: options.delimiter === '\\t' ? '\t' : options.delimiter,
          map: options.map,
          columns: options.columns,
          idFrom: options.idFrom,
          eventType: options.eventType,
        });
        console.log(options.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
      } finally {
        await store.close();
      }
    });
}
