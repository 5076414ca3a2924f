/**
 * Batch ingestion, shared by the HTTP API and every importer: each row is validated on its own,
 * the valid rows are written in one transaction, and the bad rows come back with their index and
 * the fields that failed. With `atomic`, one bad row means nothing is written.
 */
import { describeFieldErrors, ShopfusionError, type FieldError } from '../core/errors.js';
import { EventInput, ItemInput, LIMITS, UserInput, type EventRecord } from '../core/schema.js';
import { compileChecker } from '../core/validate.js';
import { deriveEventId, newEventId } from '../core/ids.js';
import type { Store, UpsertCounts } from '../store/types.js';

export interface RowError {
  /** Position of the row in the batch (0-based). */
  index: number;
  id?: string;
  errors: FieldError[];
}

export interface BatchOptions {
  /** Store nothing unless every row is valid. */
  atomic?: boolean;
  /** The JSON pointer of the rows in the request, e.g. `/items`. */
  pointer: string;
}

export interface UpsertResult extends UpsertCounts {
  rejected: RowError[];
}

export interface EventBatchResult {
  inserted: number;
  duplicates: number;
  rejected: RowError[];
}

export interface IngestPolicy {
  unknownItems: 'accept' | 'reject';
  /** The clock, for tests. */
  now?: () => number;
  /** Told of every item batch after it is stored (the semantic index embeds new text from it). */
  onItems?: (items: readonly ItemInput[]) => void;
  /**
   * Told of every event batch that stored something: the records sent to the store (with their
   * ids) and its counts. Records whose id was already stored are among them, counted in
   * `duplicates` (the knowledge graph adds only the new ones).
   */
  onEvents?: (events: readonly EventRecord[], counts: { inserted: number; duplicates: number }) => void;
}

const checkItem = compileChecker<ItemInput>(ItemInput);
const checkUser = compileChecker<UserInput>(UserInput);
const checkEvent = compileChecker<EventInput>(EventInput);

function rowId(row: unknown): string | undefined {
  if (typeof row === 'object' && row !== null && 'id' in row) {
    const id = (row as { id: unknown }).id;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

function split<T>(
  rows: readonly unknown[],
  check: (value: unknown, prefix: string) => { ok: true; value: T } | { ok: false; errors: FieldError[] },
  pointer: string,
): { valid: Array<{ index: number; value: T }>; rejected: RowError[] } {
  const valid: Array<{ index: number; value: T }> = [];
  const rejected: RowError[] = [];
  rows.forEach((row, index) => {
    const result = check(row, `${pointer}/${index}`);
    if (result.ok) valid.push({ index, value: result.value });
    else {
      const id = rowId(row);
      rejected.push(id === undefined ? { index, errors: result.errors } : { index, id, errors: result.errors });
    }
  });
  return { valid, rejected };
}

/** The error for an atomic batch with bad rows, or a batch in which no row was valid. */
export function rejectedBatchError(rejected: readonly RowError[], total: number): ShopfusionError {
  const fieldErrors = rejected.flatMap((r) => r.errors);
  return new ShopfusionError(
    'validation_failed',
    `${rejected.length} of ${total} rows are invalid: ${describeFieldErrors(fieldErrors, 3)}`,
    { details: { rejected } },
  );
}

export function createIngestor(store: Store, policy: IngestPolicy) {
  const now = policy.now ?? Date.now;

  function toRecord(input: EventInput, received: number): EventRecord {
    const timestamp =
      input.timestamp === undefined ? received : typeof input.timestamp === 'number' ? input.timestamp : Date.parse(input.timestamp);
    const record: EventRecord = { id: '', itemId: input.itemId, type: input.type, timestamp };
    if (input.userId !== undefined) record.userId = input.userId;
    if (input.sessionId !== undefined) record.sessionId = input.sessionId;
    if (input.value !== undefined) record.value = input.value;
    if (input.context !== undefined) record.context = input.context;
    // Without an id, the content names the event, but only with a client timestamp: the time of
    // receipt differs on every retry, and two real views sent together would look like one.
    record.id = input.id ?? (input.timestamp === undefined ? newEventId() : deriveEventId(record));
    return record;
  }

  return {
    async upsertItems(rows: readonly unknown[], options: BatchOptions): Promise<UpsertResult> {
      const { valid, rejected } = split(rows, checkItem, options.pointer);
      if (options.atomic && rejected.length > 0) return { created: 0, updated: 0, unchanged: 0, rejected };
      const items = valid.map((v) => v.value);
      const counts = items.length ? await store.items.upsert(items, now()) : { created: 0, updated: 0, unchanged: 0 };
      if (items.length && counts.unchanged < items.length) policy.onItems?.(items);
      return { ...counts, rejected };
    },

    async upsertUsers(rows: readonly unknown[], options: BatchOptions): Promise<UpsertResult> {
      const { valid, rejected } = split(rows, checkUser, options.pointer);
      if (options.atomic && rejected.length > 0) return { created: 0, updated: 0, unchanged: 0, rejected };
      const counts = valid.length ? await store.users.upsert(valid.map((v) => v.value), now()) : { created: 0, updated: 0, unchanged: 0 };
      return { ...counts, rejected };
    },

    async insertEvents(rows: readonly unknown[], options: BatchOptions): Promise<EventBatchResult> {
      const received = now();
      const { valid, rejected } = split(rows, checkEvent, options.pointer);
      let records = valid.map((v) => ({ index: v.index, record: toRecord(v.value, received) }));
      const latest = received + LIMITS.futureSkewMs;
      records = records.filter(({ index, record }) => {
        if (record.timestamp <= latest) return true;
        rejected.push({
          index,
          id: record.id,
          errors: [{ path: `${options.pointer}/${index}/timestamp`, message: 'must not be more than 24 hours in the future' }],
        });
        return false;
      });
      if (policy.unknownItems === 'reject' && records.length > 0) {
        const known = await store.items.existing(records.map((r) => r.record.itemId));
        records = records.filter(({ index, record }) => {
          if (known.has(record.itemId)) return true;
          rejected.push({
            index,
            id: record.id,
            errors: [
              {
                path: `${options.pointer}/${index}/itemId`,
                message: `unknown item ${JSON.stringify(record.itemId)}; upsert the item first (events.unknownItems is "reject")`,
              },
            ],
          });
          return false;
        });
      }
      rejected.sort((a, b) => a.index - b.index);
      if ((options.atomic && rejected.length > 0) || records.length === 0) return { inserted: 0, duplicates: 0, rejected };
      const stored = records.map((r) => r.record);
      const counts = await store.events.insert(stored);
      if (counts.inserted > 0) policy.onEvents?.(stored, counts);
      return { ...counts, rejected };
    },
  };
}

export type Ingestor = ReturnType<typeof createIngestor>;
