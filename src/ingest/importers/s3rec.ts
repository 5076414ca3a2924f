/**
 * The S3-Rec layout (a folder): `<Name>.txt` with one user per line (`user item item ...`, in time
 * order) and `<Name>_item2attributes.json` (`{ item: [attribute ids] }`). Sequences carry order
 * but no time, so event i of a user is stamped SEQUENCE_EPOCH + i hours.
 */
import { readFileSync } from 'node:fs';
import { ShopfusionError } from '../../core/errors.js';
import { filesIn, isDirectory } from './files.js';
import { SEQUENCE_EPOCH } from './recbole.js';
import type { Importer } from './types.js';

const HOUR = 3_600_000;

export const s3recImporter: Importer = {
  format: 's3rec',
  description: 'S3-Rec folder: <Name>.txt sequences and <Name>_item2attributes.json',
  async run(dir, job, options) {
    if (!isDirectory(dir)) throw new ShopfusionError('import_failed', `s3rec import takes a folder; ${dir} is a file`);
    const attributeFiles = filesIn(dir, (n) => n.endsWith('_item2attributes.json'));
    const sequenceFiles = filesIn(dir, (n) => n.endsWith('.txt') && attributeFiles.some((a) => a.endsWith(`${n.slice(0, -4)}_item2attributes.json`)));
    if (sequenceFiles.length === 0) {
      throw new ShopfusionError('import_failed', `s3rec import needs <Name>.txt next to <Name>_item2attributes.json in ${dir}`);
    }
    job.begin([...attributeFiles, ...sequenceFiles]);
    const type = options.eventType ?? 'purchase';

    for (const file of attributeFiles) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
      } catch (cause) {
        throw new ShopfusionError('import_failed', `${file} is not valid JSON: ${(cause as Error).message}`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new ShopfusionError('import_failed', `${file} must hold an object of item id → attribute ids`);
      }
      for (const [id, attributes] of Object.entries(parsed)) {
        const ids = Array.isArray(attributes) ? attributes.map(String) : [];
        await job.item({ id, attributes: { attributeIds: ids } }, file, 1);
      }
    }

    for (const file of sequenceFiles) {
      for await (const { text, line } of job.lines(file)) {
        const [user, ...items] = text.trim().split(' ');
        if (!user) continue;
        if (items.length === 0) {
          job.reject(file, line, 'expected a user id followed by item ids');
          continue;
        }
        job.ensure('users', user, file, line);
        for (let i = 0; i < items.length; i++) {
          const itemId = items[i] as string;
          job.ensure('items', itemId, file, line);
          await job.event({ userId: user, itemId, type, timestamp: SEQUENCE_EPOCH + i * HOUR }, file, line);
        }
      }
    }
  },
};
