/** Runs one import end to end; the CLI and the tests call this. */
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
  } finally {
    // What was read before a failure is still written, so a rerun continues idempotently.
    await job.finish();
  }
  return job.summary;
}
