/**
 * Anonymous-session clicks in the Diginetica (CIKM Cup 2016) layout: `;`-separated
 * `session_id;user_id;item_id;timeframe;eventdate`, where `timeframe` is milliseconds since the
 * session began and `user_id` is `NA` for anonymous visitors. Each row becomes a `view` event.
 */
import { ShopfusionError } from '../../core/errors.js';
import { filesIn, isDirectory } from './files.js';
import type { Importer } from './types.js';

const COLUMNS = ['session_id', 'user_id', 'item_id', 'timeframe', 'eventdate'];

export const sessionCsvImporter: Importer = {
  format: 'session-csv',
  description: 'session clicks, Diginetica layout: session_id;user_id;item_id;timeframe;eventdate',
  async run(path, job, options) {
    const files = isDirectory(path) ? filesIn(path, (n) => n.endsWith('.csv')) : [path];
    if (files.length === 0) throw new ShopfusionError('import_failed', `no .csv files in ${path}`);
    job.begin(files);
    const delimiter = options.delimiter ?? ';';
    const type = options.eventType ?? 'view';
    for (const file of files) {
      let index: number[] | undefined;
      for await (const { text, line } of job.lines(file)) {
        if (text === '') continue;
        const cells = text.split(delimiter);
        if (!index) {
          index = COLUMNS.map((c) => cells.indexOf(c));
          const missing = COLUMNS.filter((_, i) => index?.[i] === -1);
          if (missing.length) throw new ShopfusionError('import_failed', `${file}: header lacks ${missing.join(', ')}`);
          continue;
        }
        const [session, user, item, timeframe, date] = index.map((i) => cells[i] ?? '');
        const start = Date.parse(`${date}T00:00:00Z`);
        const offset = Number(timeframe);
        if (!session || !item || Number.isNaN(start) || !Number.isFinite(offset)) {
          job.reject(file, line, `expected ${COLUMNS.join(delimiter)} with a date yyyy-mm-dd and a number of ms`);
          continue;
        }
        const row: Record<string, unknown> = { sessionId: session, itemId: item, type, timestamp: start + offset };
        if (user && user !== 'NA') {
          row.userId = user;
          job.ensure('users', user, file, line);
        }
        job.ensure('items', item as string, file, line);
        await job.event(row, file, line);
      }
    }
  },
};
