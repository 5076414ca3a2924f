/** JSON Lines: one item, user or event per line, exactly as the HTTP API takes them. */
import { entityFiles } from './files.js';
import type { Importer } from './types.js';

export const jsonlImporter: Importer = {
  format: 'jsonl',
  description: 'JSON Lines files of items, users or events (a file, or a folder of items/users/events .jsonl)',
  async run(path, job, options) {
    const plan = entityFiles(path, ['.jsonl', '.ndjson'], options.entity);
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
        await job.row(entity, row, file, line);
      }
    }
  },
};
