/**
 * RecBole atomic files (a folder): `.item`, `.user`, `.text`, `.inter`, `.kg`, `.link`, and the
 * pre-split sequence layout (`.train/.valid/.test.inter` with `item_id_list`, plus optional
 * `.item2index` / `.user2index` mapping integer ids back to tokens), as in UniSRec's datasets.
 * Headers are `name:type` with type token, token_seq, float or float_seq.
 */
import { basename } from 'node:path';
import { ShopfusionError } from '../../core/errors.js';
import type { EventType } from '../../core/schema.js';
import type { ImportJob } from './import-job.js';
import { filesIn, isDirectory } from './files.js';
import type { Importer } from './types.js';

/** Sequence layouts carry order but no time: event i of a user is stamped SEQUENCE_EPOCH + i hours. */
export const SEQUENCE_EPOCH = Date.UTC(2018, 0, 1);
const HOUR = 3_600_000;

interface Column {
  name: string;
  type: string;
}

function header(text: string, file: string): Column[] {
  return text.split('\t').map((h) => {
    const [name, type] = h.split(':');
    if (!name || !type) throw new ShopfusionError('import_failed', `${file}: header field ${JSON.stringify(h)} is not name:type`);
    return { name, type };
  });
}

function typed(type: string, cell: string): unknown {
  if (type === 'float') return Number(cell);
  if (type === 'token_seq') return cell.split(' ').filter(Boolean);
  if (type === 'float_seq') return cell.split(' ').filter(Boolean).map(Number);
  return cell;
}

/** Rows of an atomic file as `{ line, fields }`, the header checked for required fields. */
async function* atomicRows(job: ImportJob, file: string, required: readonly string[]) {
  let columns: Column[] | undefined;
  for await (const { text, line } of job.lines(file)) {
    if (!columns) {
      columns = header(text, file);
      const missing = required.filter((r) => !columns?.some((c) => c.name === r));
      if (missing.length) throw new ShopfusionError('import_failed', `${file}: header lacks ${missing.join(', ')}`);
      continue;
    }
    if (text === '') continue;
    const cells = text.split('\t');
    if (cells.length !== columns.length) {
      job.reject(file, line, `expected ${columns.length} tab-separated fields, got ${cells.length}`);
      continue;
    }
    yield { line, cells, columns };
  }
}

/** `title. categories. brand.` (UniSRec's item text) → its parts, when the text has that shape. */
export function splitItemText(text: string): { title: string; brand?: string } {
  const parts = text.trim().replace(/\.$/, '').split('. ');
  if (parts.length < 3) return { title: text.trim() };
  const brand = (parts[parts.length - 1] as string).trim();
  const title = parts.slice(0, -2).join('. ').trim();
  return brand && title ? { title, brand } : { title: text.trim() };
}

async function readIndex(job: ImportJob, file: string | undefined): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  if (!file) return map;
  for await (const { text } of job.lines(file)) {
    const [token, index] = text.split('\t');
    if (token && index !== undefined) map.set(index, token);
  }
  return map;
}

export const recboleImporter: Importer = {
  format: 'recbole',
  description: 'RecBole atomic folder: .item .user .text .inter .kg .link, or pre-split .train/.valid/.test.inter sequences',
  async run(dir, job, options) {
    if (!isDirectory(dir)) throw new ShopfusionError('import_failed', `recbole import takes a folder of atomic files; ${dir} is a file`);
    const all = filesIn(dir, () => true);
    const bySuffix = (suffix: string) => all.filter((f) => f.endsWith(suffix));
    const splits = ['.train.inter', '.valid.inter', '.test.inter'].flatMap(bySuffix);
    const plain = bySuffix('.inter').filter((f) => !splits.includes(f));
    const used = [
      ...bySuffix('.item2index'), ...bySuffix('.user2index'), ...bySuffix('.item'), ...bySuffix('.text'),
      ...bySuffix('.user'), ...plain, ...splits, ...bySuffix('.kg'), ...bySuffix('.link'),
    ];
    if (used.length === 0) throw new ShopfusionError('import_failed', `no RecBole atomic files (.inter, .item, .kg, ...) in ${dir}`);
    job.begin(used);
    const eventType: EventType = options.eventType ?? 'purchase';

    const itemTokens = await readIndex(job, bySuffix('.item2index')[0]);
    const userTokens = await readIndex(job, bySuffix('.user2index')[0]);
    const itemId = (raw: string) => itemTokens.get(raw) ?? raw;
    const userId = (raw: string) => userTokens.get(raw) ?? raw;

    // Items: the .item rows merged with the .text rows, both small enough to hold.
    const items = new Map<string, { row: Record<string, unknown>; file: string; line: number }>();
    for (const file of bySuffix('.item')) {
      for await (const { line, cells, columns } of atomicRows(job, file, ['item_id'])) {
        const row: Record<string, unknown> = { id: cells[columns.findIndex((c) => c.name === 'item_id')] };
        const attributes: Record<string, unknown> = {};
        columns.forEach((c, i) => {
          if (c.name === 'item_id') return;
          const value = typed(c.type, cells[i] as string);
          if (c.name.includes('title') && typeof value !== 'number') row.title = Array.isArray(value) ? value.join(' ') : value;
          else attributes[c.name] = value;
        });
        if (Object.keys(attributes).length) row.attributes = attributes;
        items.set(row.id as string, { row, file, line });
      }
    }
    for (const file of bySuffix('.text')) {
      for await (const { line, cells, columns } of atomicRows(job, file, ['item_id', 'text'])) {
        const id = itemId(cells[columns.findIndex((c) => c.name === 'item_id')] as string);
        const text = cells[columns.findIndex((c) => c.name === 'text')] as string;
        const entry = items.get(id) ?? { row: { id }, file, line };
        const { title, brand } = splitItemText(text);
        entry.row.title ??= title;
        if (brand) entry.row.brand = brand;
        entry.row.description = text.trim();
        items.set(id, entry);
      }
    }
    const hasUserFile = bySuffix('.user').length > 0;
    for (const file of bySuffix('.user')) {
      for await (const { line, cells, columns } of atomicRows(job, file, ['user_id'])) {
        const attributes: Record<string, unknown> = {};
        columns.forEach((c, i) => {
          if (c.name !== 'user_id') attributes[c.name] = typed(c.type, cells[i] as string);
        });
        await job.user({ id: userId(cells[columns.findIndex((c) => c.name === 'user_id')] as string), attributes }, file, line);
      }
    }

    // Interactions stream through; items and users they name that no file described get id-only rows
    // (the job writes pending items and users before the events that follow them).
    for (const { row, file, line } of items.values()) await job.item(row, file, line);
    const event = async (row: { userId: string; itemId: string } & Record<string, unknown>, file: string, line: number) => {
      job.ensure('items', row.itemId, file, line);
      if (!hasUserFile) job.ensure('users', row.userId, file, line);
      await job.event(row, file, line);
    };
    for (const file of plain) {
      for await (const { line, cells, columns } of atomicRows(job, file, ['user_id', 'item_id'])) {
        const get = (name: string) => {
          const i = columns.findIndex((c) => c.name === name);
          return i === -1 ? undefined : (cells[i] as string);
        };
        const rating = get('rating');
        const seconds = get('timestamp');
        const row: { userId: string; itemId: string } & Record<string, unknown> = {
          userId: userId(get('user_id') as string),
          itemId: itemId(get('item_id') as string),
          type: rating === undefined ? eventType : 'rating',
        };
        if (rating !== undefined) row.value = Number(rating);
        row.timestamp = seconds === undefined ? SEQUENCE_EPOCH + line * HOUR : Math.round(Number(seconds) * 1000);
        await event(row, file, line);
      }
    }
    // Pre-split sequences: each split holds prefixes of the same per-user sequence; keep the longest.
    const sequences = new Map<string, { items: string[]; file: string; line: number }>();
    for (const file of splits) {
      for await (const { line, cells, columns } of atomicRows(job, file, ['user_id', 'item_id_list', 'item_id'])) {
        const user = userId(cells[columns.findIndex((c) => c.name === 'user_id')] as string);
        const list = (cells[columns.findIndex((c) => c.name === 'item_id_list')] as string).split(' ').filter(Boolean);
        const sequence = [...list, cells[columns.findIndex((c) => c.name === 'item_id')] as string].map(itemId);
        const known = sequences.get(user);
        if (!known || sequence.length > known.items.length) sequences.set(user, { items: sequence, file, line });
      }
    }
    for (const [user, { items: sequence, file, line }] of sequences) {
      for (let position = 0; position < sequence.length; position++) {
        const row = { userId: user, itemId: sequence[position] as string, type: eventType, timestamp: SEQUENCE_EPOCH + position * HOUR };
        await event(row, file, line);
      }
    }

    for (const file of bySuffix('.kg')) {
      for await (const { cells, columns } of atomicRows(job, file, ['head_id', 'relation_id', 'tail_id'])) {
        const at = (name: string) => cells[columns.findIndex((c) => c.name === name)] as string;
        await job.triple({ head: at('head_id'), relation: at('relation_id'), tail: at('tail_id') }, `recbole:${basename(file)}`);
      }
    }
    for (const file of bySuffix('.link')) {
      for await (const { cells, columns } of atomicRows(job, file, ['item_id', 'entity_id'])) {
        const at = (name: string) => cells[columns.findIndex((c) => c.name === name)] as string;
        await job.triple({ head: `item:${itemId(at('item_id'))}`, relation: 'same_as', tail: at('entity_id') }, `recbole:${basename(file)}`);
      }
    }
  },
};
