/** Runs one import end to end; the CLI and the tests call this. */
import { ShopfusionError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import type { IngestPolicy } from './batch.js';
import { ImportJob, type ImportSummary } from './importers/import-job.js';
import { importerFor } from './importers/index.js';
import type { ImporterOptions } from './importers/types.js';
import type { Progress } from './progress.js';

export interface RunImportOptions extends ImporterOptions {
  format: string;
  path: string;
  store: Store;
  policy: IngestPolicy;
  progress?: Progress;
  batchSize?: number;
}

/** File-system failures (unreadable, a folder where a file was expected) become `import_failed`. */
function asImportError(error: unknown, path: string): unknown {
  const e = error as NodeJS.ErrnoException;
  if (error instanceof Error && typeof e.syscall === 'string') {
    return new ShopfusionError('import_failed', `cannot read ${e.path ?? path}: ${e.message}`, { cause: error });
  }
  return error;
}

export async function runImport(options: RunImportOptions): Promise<ImportSummary> {
  const importer = importerFor(options.format);
  const job = new ImportJob(importer.format, options.path, {
    store: options.store,
    policy: options.policy,
    progress: options.progress,
    batchSize: options.batchSize,
  });
  try {
    await importer.run(options.path, job, options);
  } catch (error) {
    // What was read and valid before the failure is still written (a rerun continues
    // idempotently); the failure, not a later one, is what the caller hears of.
    await job.finish().catch(() => {});
    throw asImportError(error, options.path);
  }
  return job.finish();
}
