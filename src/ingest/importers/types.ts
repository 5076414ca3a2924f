/** The importer seam: one module per input format, all writing through an `ImportJob`. */
import type { EventType } from '../../core/schema.js';
import type { ImportJob } from './import-job.js';

export type Entity = 'items' | 'users' | 'events';

export interface ImporterOptions {
  /** What the rows of a jsonl/csv file are; inferred from the file name when absent. */
  entity?: Entity;
  /** Field separator of csv input. */
  delimiter?: string;
  /** csv: column renames, source → field name; an empty name drops the column. */
  map?: Record<string, string>;
  /** csv: the column names of a file without a header row. */
  columns?: string[];
  /** csv: derive each row's id from this field's value (for files without ids). */
  idFrom?: string;
  /** The event type given to interactions of formats that carry none (recbole, s3rec). */
  eventType?: EventType;
}

export interface Importer {
  readonly format: string;
  /** One line for `shopfusion import --help`. */
  readonly description: string;
  run(path: string, job: ImportJob, options: ImporterOptions): Promise<void>;
}
