/** JSON Lines: one item, user or event per line, exactly as the HTTP API takes them. */
import { ShopfusionError } from '../../core/errors.js';
import { entityFromName, filesIn, isDirectory } from './files.js';
import type { Importer } from './types.js';

export const jsonlImporter: Importer = {
  format: 'jsonl',
  description: 'JSON Lines files of items, users or events (a file, or a folder of items/users/events .jsonl)',
  async run(path, job, options) {
    const files = isDirectory(path) ? filesIn(path, (n) => n.endsWith('.jsonl') || n.endsWith('.ndjson')) : [path];
    if (files.length === 0) throw new ShopfusionError('import_failed', `no .jsonl files in ${path}`);
    // Items and users before events, so that events find their items.
    const order = { items: 0, users: 1, events: 2 } as const;
    const plan = files.map((file) => ({ file, entity: entityFromName(file, options.entity) }));
    plan.sort((a, b) => order[a.entity] - order[b.entity]);
    job.begin(plan.map((p) => p.file));
    for (const { file, entity } of plan) {
      for await (const { text, line } of job.lines(file)) {
        if (text.trim() === '') continue;
        let row: unknown;
        try {
          row = JSON.parse(text);
        } catch (cause) {
          job.reject(file, line, `not valid JSON: ${(cause as Error).message}`);
          continue;
        }
        if (entity === 'items') await job.item(row, file, line);
        else if (entity === 'users') await job.user(row, file, line);
        else await job.event(row, file, line);
      }
    }
  },
};
