/**
 * CSV with a header row naming the fields. Columns are the API's field names; `categories` is a
 * path separated by `>`, `tags` and list attributes are separated by `|`, `attributes.<name>`
 * columns fill the attribute map and `context.<name>` columns an event's context. Cells are text
 * except the numeric fields (price, value, position, timestamp in epoch ms); empty cells are absent.
 *
 * Other people's files fit through options: `map` renames columns (`product_title=title`; an empty
 * target drops the column), `columns` names the columns of a file without a header, and `idFrom`
 * derives ids from another field for files that have none. Tab-separated files (.tsv, .txt, or a
 * tab delimiter) are read without quoting, as that convention has none.
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream';
import { closeSync, openSync, readSync } from 'node:fs';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { ShopfusionError } from '../../core/errors.js';
import { entityFiles } from './files.js';
import type { Entity, Importer, ImporterOptions } from './types.js';

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
      `${file}: unknown column(s) ${unknown.join(', ')} for ${entity}; allowed: ${FIELDS[entity].join(', ')}, ${PREFIXES[entity].map((p) => `${p}<name>`).join(', ')} (rename or drop columns with --map from=to,other=)`,
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
  const groups = new Map<string, Array<[string, unknown]>>();
  for (const [column, cell] of Object.entries(record)) {
    if (cell === '') continue;
    const value = cellValue(column, cell);
    const dot = column.indexOf('.');
    if (dot === -1) {
      row[column] = value;
    } else {
      const group = column.slice(0, dot);
      const entries = groups.get(group) ?? [];
      entries.push([column.slice(dot + 1), value]);
      groups.set(group, entries);
    }
  }
  // fromEntries defines own keys: a column `attributes.__proto__` reaches validation as a key.
  for (const [group, entries] of groups) row[group] = Object.fromEntries(entries);
  return row;
}

export const csvImporter: Importer = {
  format: 'csv',
  description: 'CSV with a header of field names (a file, or a folder of items/users/events .csv)',
  async run(path, job, options) {
    // Every file's header is checked before anything is written.
    const plan = entityFiles(path, ['.csv', '.tsv'], options.entity).map(({ file, entity }) => {
      const delimiter = options.delimiter ?? (file.endsWith('.tsv') || file.endsWith('.txt') ? '\t' : ',');
      const quote = delimiter === '\t' ? false : '"';
      const named = options.columns ?? readHeader(file, delimiter, quote);
      return { file, entity, delimiter, quote, header: targetColumns(named, options, entity, file) };
    });
    job.begin(plan.map((p) => p.file));
    for (const { file, entity, delimiter, quote, header } of plan) {
      const source = job.stream(file);
      const parser = parse({ delimiter, quote, bom: true, info: true, skip_empty_lines: true, relax_column_count: true, from_line: options.columns ? 1 : 2 });
      // pipeline, not pipe: a read error of the file ends the parse with that error.
      pipeline(source, parser, () => {});
      try {
        for await (const { record: cells, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
          if (cells.length !== header.length) {
            job.reject(file, info.lines, `the row has ${cells.length} cells, the header ${header.length}`);
            continue;
          }
          const record: Record<string, string> = {};
          header.forEach((column, i) => {
            if (column !== null) record[column] = cells[i] as string;
          });
          if (options.idFrom !== undefined && record.id === undefined && record[options.idFrom]) {
            record.id = `${options.idFrom}:${createHash('sha1').update(record[options.idFrom] as string).digest('base64url').slice(0, 16)}`;
          }
          await job.row(entity, csvRow(record), file, info.lines);
        }
      } finally {
        source.destroy();
      }
    }
  },
};

/** The first record of a file: its header. */
function readHeader(file: string, delimiter: string, quote: string | false): string[] {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const text = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
    const [first] = parseSync(text.split(/\r?\n/, 1)[0] ?? '', { delimiter, quote, bom: true }) as string[][];
    if (!first) throw new ShopfusionError('import_failed', `${file} is empty; a CSV import needs a header row (or --columns)`);
    return first.map((h) => h.trim());
  } finally {
    closeSync(fd);
  }
}

/** The file's columns renamed by `map` (null: dropped), checked against the entity's fields. */
function targetColumns(columns: readonly string[], options: ImporterOptions, entity: Entity, file: string): Array<string | null> {
  const mapped = columns.map((c) => {
    const target = options.map?.[c];
    return target === undefined ? c : target === '' ? null : target;
  });
  checkHeader(mapped.filter((c): c is string => c !== null), entity, file);
  if (options.idFrom !== undefined && !mapped.includes(options.idFrom)) {
    throw new ShopfusionError('import_failed', `${file}: --id-from ${options.idFrom} names no column; columns: ${mapped.filter(Boolean).join(', ')}`);
  }
  return mapped;
}
