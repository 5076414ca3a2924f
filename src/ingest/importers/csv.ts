/**
 * CSV with a header row naming the fields. Columns are the API's field names; `categories` is a
 * path separated by `>`, `tags` and list attributes are separated by `|`, `attributes.<name>`
 * columns fill the attribute map and `context.<name>` columns an event's context. Cells are text
 * except the numeric fields (price, value, position, timestamp in epoch ms); empty cells are absent.
 */
import { parse } from 'csv-parse';
import { ShopfusionError } from '../../core/errors.js';
import { entityFiles } from './files.js';
import type { Entity, Importer } from './types.js';

const FIELDS: Record<Entity, readonly string[]> = {
  items: ['id', 'title', 'description', 'categories', 'brand', 'price', 'currency', 'tags', 'imageUrl', 'available', 'createdAt'],
  users: ['id', 'createdAt'],
  events: ['id', 'userId', 'sessionId', 'itemId', 'type', 'value', 'timestamp'],
};
const PREFIXES: Record<Entity, readonly string[]> = {
  items: ['attributes.'],
  users: ['attributes.'],
  events: ['context.'],
};
const NUMBERS = new Set(['price', 'value', 'context.position']);

function checkHeader(columns: readonly string[], entity: Entity, file: string): void {
  const unknown = columns.filter((c) => !FIELDS[entity].includes(c) && !PREFIXES[entity].some((p) => c.startsWith(p) && c.length > p.length));
  if (unknown.length > 0) {
    throw new ShopfusionError(
      'import_failed',
      `${file}: unknown column(s) ${unknown.join(', ')} for ${entity}; allowed: ${FIELDS[entity].join(', ')}, ${PREFIXES[entity].map((p) => `${p}<name>`).join(', ')}`,
    );
  }
}

function cellValue(column: string, cell: string): unknown {
  if (NUMBERS.has(column)) {
    const n = Number(cell);
    return Number.isNaN(n) ? cell : n;
  }
  if (column === 'timestamp') return /^\d+$/.test(cell) ? Number(cell) : cell;
  if (column === 'available') return cell === 'true' || cell === '1' ? true : cell === 'false' || cell === '0' ? false : cell;
  if (column === 'categories') return cell.split('>').map((c) => c.trim()).filter(Boolean);
  if (column === 'tags') return cell.split('|').map((c) => c.trim()).filter(Boolean);
  if (column.startsWith('attributes.') && cell.includes('|')) return cell.split('|').map((c) => c.trim());
  return cell;
}

/** A CSV record → the API's row shape. */
export function csvRow(record: Record<string, string>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(record)) {
    if (cell === '') continue;
    const value = cellValue(column, cell);
    const dot = column.indexOf('.');
    if (dot === -1) {
      row[column] = value;
    } else {
      const group = column.slice(0, dot);
      const nested = (row[group] ??= {}) as Record<string, unknown>;
      nested[column.slice(dot + 1)] = value;
    }
  }
  return row;
}

export const csvImporter: Importer = {
  format: 'csv',
  description: 'CSV with a header of field names (a file, or a folder of items/users/events .csv)',
  async run(path, job, options) {
    const plan = entityFiles(path, ['.csv', '.tsv'], options.entity);
    job.begin(plan.map((p) => p.file));
    for (const { file, entity } of plan) {
      const delimiter = options.delimiter ?? (file.endsWith('.tsv') ? '\t' : ',');
      const parser = job.stream(file).pipe(
        parse({ delimiter, bom: true, info: true, skip_empty_lines: true, relax_column_count: true }),
      );
      let columns: string[] | undefined;
      for await (const { record: cells, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (!columns) {
          columns = cells.map((h) => h.trim());
          checkHeader(columns, entity, file);
          continue;
        }
        if (cells.length !== columns.length) {
          job.reject(file, info.lines, `the row has ${cells.length} cells, the header ${columns.length}`);
          continue;
        }
        const record: Record<string, string> = {};
        columns.forEach((column, i) => (record[column] = cells[i] as string));
        const row = csvRow(record);
        await job.row(entity, row, file, info.lines);
      }
    }
  },
};
