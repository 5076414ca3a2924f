/** Shared test fixtures: configs, temporary folders, the shared datasets. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import { loadConfig, type Config } from '../src/core/config.js';

/** `../shared/datasets`, or SHOPFUSION_DATASETS. */
export const DATASETS = resolve(process.env.SHOPFUSION_DATASETS ?? '../shared/datasets');

/** A skip reason when a dataset folder is absent (a fresh clone elsewhere), else false. */
export function needsDataset(relative: string): string | false {
  const path = join(DATASETS, relative);
  return existsSync(path) ? false : `dataset ${path} is not here (set SHOPFUSION_DATASETS to the shared datasets folder)`;
}

export function testConfig(flags: Record<string, unknown> = {}): Readonly<Config> {
  const server = { logLevel: 'silent', ...((flags.server as Record<string, unknown> | undefined) ?? {}) };
  // No models unless a test trains some: never the ones a local `npm start` left in ./data.
  const models = { dir: join(tmpdir(), 'shopfusion-test-no-models'), ...((flags.models as Record<string, unknown> | undefined) ?? {}) };
  // No embedder unless a test asks for one: loading and embedding cost seconds per app.
  const embedding = { provider: 'none', ...((flags.embedding as Record<string, unknown> | undefined) ?? {}) };
  return loadConfig({ flags: { store: 'memory:', ...flags, server, models, embedding } });
}

/** A temporary folder removed after the test file ends. */
export function tempDir(prefix = 'shopfusion-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
