/**
 * The machinery every importer shares: streaming line reading with byte progress, buffered batch
 * writes through the same validation as the HTTP API, and a summary that names every rejected
 * line. Importers only turn their format's rows into items, users, events and triples.
 */
import { createReadStream, statSync, type ReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { FieldError } from '../../core/errors.js';
import type { Store, Triple } from '../../store/types.js';
import { createIngestor, type IngestPolicy, type RowError } from '../batch.js';
import { silentProgress, type Progress } from '../progress.js';

type Kind = 'items' | 'users' | 'events' | 'triples';

export interface Rejection {
  file: string;
  line: number;
  errors: FieldError[];
}

export interface ImportSummary {
  format: string;
  source: string;
  /** Rows read from the input, per kind. */
  read: Record<Kind, number>;
  /** Rows written: created or changed items and users, new events and triples. */
  stored: Record<Kind, number>;
  /** Items and users identical to what the store held. */
  unchanged: number;
  /** Events and triples already in the store (same id), not stored twice. */
  duplicates: number;
  rejected: number;
  /** The first rejected rows, with file and line. */
  rejections: Rejection[];
  seconds: number;
}

export interface ImportOptions {
  store: Store;
  policy: IngestPolicy;
  progress?: Progress;
  /** Rows per transaction. */
  batchSize?: number;
  /** How many rejected rows the summary lists in full. */
  maxRejections?: number;
}

interface Origin {
  file: string;
  line: number;
  /** Position in the order rows were read, to list rejections in reading order. */
  order: number;
}

interface Pending {
  rows: unknown[];
  origins: Origin[];
}

function rowId(row: unknown): string {
  const id = (row as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : '';
}

/** Batches handed to the store and not yet committed, at most. */
const WRITE_DEPTH = 2;

const zeroCounts = (): Record<Kind, number> => ({ items: 0, users: 0, events: 0, triples: 0 });

export class ImportJob {
  private readonly ingest;
  private readonly progress: Progress;
  private readonly batchSize: number;
  private readonly maxRejections: number;
  private readonly pending: Record<'items' | 'users' | 'events', Pending> = {
    items: { rows: [], origins: [] },
    users: { rows: [], origins: [] },
    events: { rows: [], origins: [] },
  };
  /** Ids this import described or created, and id-only rows waiting to be created. */
  private readonly seen = { items: new Set<string>(), users: new Set<string>() };
  private readonly placeholders = { items: [] as Array<{ id: string; file: string; line: number }>, users: [] as Array<{ id: string; file: string; line: number }> };
  private triples: Triple[] = [];
  private tripleSource = '';
  private inflight: Promise<void> = Promise.resolve();
  private readonly window: Array<Promise<void>> = [];
  private readonly started = performance.now();
  private bytesDone = 0;
  private totalBytes = 0;
  private rowsSeen = 0;
  private readonly rejectionOrder = new Map<Rejection, number>();
  readonly summary: ImportSummary;

  constructor(
    format: string,
    source: string,
    private readonly options: ImportOptions,
  ) {
    this.ingest = createIngestor(options.store, options.policy);
    this.progress = options.progress ?? silentProgress;
    this.batchSize = options.batchSize ?? 20_000;
    this.maxRejections = options.maxRejections ?? 100;
    this.summary = {
      format,
      source,
      read: zeroCounts(),
      stored: zeroCounts(),
      unchanged: 0,
      duplicates: 0,
      rejected: 0,
      rejections: [],
      seconds: 0,
    };
  }

  /** Starts the progress bar over the total size of the files this import will read. */
  begin(files: readonly string[]): void {
    this.totalBytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
    this.progress.start('import', this.totalBytes);
  }

  /**
   * The lines of a file with their 1-based numbers; `encoding` for legacy files (MovieLens is latin1).
   * Progress advances by bytes as the file is consumed.
   */
  async *lines(file: string, encoding: BufferEncoding = 'utf8'): AsyncGenerator<{ text: string; line: number }> {
    const stream = createReadStream(file, { encoding, highWaterMark: 1 << 20 });
    const reader = createInterface({ input: stream, crlfDelay: Infinity });
    let line = 0;
    const base = this.bytesDone;
    try {
      for await (const text of reader) {
        line++;
        if ((line & 0x3fff) === 0) this.progress.update(base + stream.bytesRead, this.summary.read);
        yield { text, line };
      }
    } finally {
      // Also when the importer stops early (a bad header): no file is left open.
      reader.close();
      stream.destroy();
    }
    this.bytesDone = base + stream.bytesRead;
    this.progress.update(this.bytesDone, this.summary.read);
  }

  /** A raw byte stream of a file (for parsers that split lines themselves), with progress. */
  stream(file: string): ReadStream {
    const stream = createReadStream(file, { highWaterMark: 1 << 20 });
    const base = this.bytesDone;
    stream.on('data', () => this.progress.update(base + stream.bytesRead, this.summary.read));
    stream.on('end', () => {
      this.bytesDone = base + stream.bytesRead;
    });
    return stream;
  }

  /** A row of the given kind (formats whose files each hold one kind). */
  async row(entity: 'items' | 'users' | 'events', row: unknown, file: string, line: number): Promise<void> {
    if (entity === 'items') await this.item(row, file, line);
    else if (entity === 'users') await this.user(row, file, line);
    else await this.event(row, file, line);
  }

  async item(row: unknown, file: string, line: number): Promise<void> {
    this.seen.items.add(rowId(row));
    await this.add('items', row, file, line);
  }

  async user(row: unknown, file: string, line: number): Promise<void> {
    this.seen.users.add(rowId(row));
    await this.add('users', row, file, line);
  }

  /**
   * For formats whose interactions name items (or users) that no file describes: an id-only row is
   * created for each such id, unless the store already holds it (an existing item is never blanked).
   */
  ensure(kind: 'items' | 'users', id: string, file: string, line: number): void {
    if (this.seen[kind].has(id)) return;
    this.seen[kind].add(id);
    this.placeholders[kind].push({ id, file, line });
  }

  async event(row: unknown, file: string, line: number): Promise<void> {
    await this.add('events', row, file, line);
  }

  async triple(triple: Triple, source: string): Promise<void> {
    this.summary.read.triples++;
    if (source !== this.tripleSource) await this.flushTriples();
    this.tripleSource = source;
    this.triples.push(triple);
    if (this.triples.length >= this.batchSize) await this.flushTriples();
  }

  /** A line that could not even be parsed into a row. */
  reject(file: string, line: number, message: string, path = ''): void {
    this.keepRejection({ file: basename(file), line, errors: [{ path, message }] }, this.rowsSeen++);
  }

  private keepRejection(rejection: Rejection, order: number): void {
    this.summary.rejected++;
    if (this.summary.rejections.length >= this.maxRejections) return;
    this.summary.rejections.push(rejection);
    this.rejectionOrder.set(rejection, order);
  }

  private async add(kind: 'items' | 'users' | 'events', row: unknown, file: string, line: number): Promise<void> {
    this.summary.read[kind]++;
    const pending = this.pending[kind];
    pending.rows.push(row);
    pending.origins.push({ file, line, order: this.rowsSeen++ });
    if (pending.rows.length >= this.batchSize) {
      // Events may name items and users of the same import: write those first.
      if (kind === 'events') {
        await this.flush('items');
        await this.flush('users');
      }
      await this.flush(kind);
    }
  }

  private recordRejections(rejected: readonly RowError[], origins: readonly Origin[]): void {
    for (const r of rejected) {
      const origin = origins[r.index] as Origin;
      const errors = r.errors.map((e) => ({ path: e.path.replace(/^\/rows\/\d+/, ''), message: e.message }));
      this.keepRejection({ file: basename(origin.file), line: origin.line, errors }, origin.order);
    }
  }

  private async flushPlaceholders(kind: 'items' | 'users'): Promise<void> {
    const wanted = this.placeholders[kind];
    if (wanted.length === 0) return;
    this.placeholders[kind] = [];
    const store = kind === 'items' ? this.options.store.items : this.options.store.users;
    const existing = await store.existing(wanted.map((p) => p.id));
    for (const p of wanted) if (!existing.has(p.id)) await this.add(kind, { id: p.id }, p.file, p.line);
  }

  /**
   * Keeps up to WRITE_DEPTH writes in flight: the store commits batches (on its writer thread)
   * while this thread reads and validates the next ones. Results are counted in write order.
   */
  private async pipeline<T>(write: Promise<T>, record: (result: T) => void): Promise<void> {
    const previous = this.inflight;
    const current = (async () => {
      const result = await write;
      await previous;
      record(result);
    })();
    current.catch(() => {}); // a failure surfaces where it is awaited: below or in finish()
    this.inflight = current;
    this.window.push(current);
    if (this.window.length > WRITE_DEPTH) await this.window.shift();
  }

  private async flush(kind: 'items' | 'users' | 'events'): Promise<void> {
    if (kind !== 'events') await this.flushPlaceholders(kind);
    const { rows, origins } = this.pending[kind];
    if (rows.length === 0) return;
    this.pending[kind] = { rows: [], origins: [] };
    if (kind === 'events') {
      // Rejecting unknown items reads the catalog, which must include the items still in flight.
      if (this.options.policy.unknownItems === 'reject') await this.inflight;
      await this.pipeline(this.ingest.insertEvents(rows, { pointer: '/rows' }), (result) => {
        this.summary.stored.events += result.inserted;
        this.summary.duplicates += result.duplicates;
        this.recordRejections(result.rejected, origins);
      });
    } else {
      const write = kind === 'items' ? this.ingest.upsertItems(rows, { pointer: '/rows' }) : this.ingest.upsertUsers(rows, { pointer: '/rows' });
      await this.pipeline(write, (result) => {
        this.summary.stored[kind] += result.created + result.updated;
        this.summary.unchanged += result.unchanged;
        this.recordRejections(result.rejected, origins);
      });
    }
  }

  private async flushTriples(): Promise<void> {
    if (this.triples.length === 0) return;
    const batch = this.triples;
    this.triples = [];
    await this.pipeline(this.options.store.triples.insert(batch, this.tripleSource), (result) => {
      this.summary.stored.triples += result.inserted;
      this.summary.duplicates += result.duplicates;
    });
  }

  /** Writes what is buffered and closes the summary. */
  async finish(): Promise<ImportSummary> {
    await this.flush('items');
    await this.flush('users');
    await this.flush('events');
    await this.flushTriples();
    await this.inflight;
    // Files read whole (JSON maps) advance no byte counter; the bar ends full all the same.
    this.progress.update(this.totalBytes, this.summary.read);
    this.progress.stop();
    this.summary.rejections.sort((a, b) => (this.rejectionOrder.get(a) ?? 0) - (this.rejectionOrder.get(b) ?? 0));
    this.summary.seconds = (performance.now() - this.started) / 1000;
    return this.summary;
  }
}
