/**
 * Where trained models live: `<dir>/<model>/<version>.snap`, plus `<dir>/<model>/LATEST` naming
 * the version the server loads. A new version becomes current only once its file is complete.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { IdMap } from '../data/id-map.js';
import { modelSpec } from './registry.js';
import { readSnapshotFile, writeSnapshotFile, type SnapshotFile } from './snapshot-file.js';
import type { Recommender } from './types.js';

export interface LoadedModel {
  name: string;
  version: string;
  createdAt: string;
  model: Recommender;
  users: IdMap;
  items: IdMap;
  trainedOn: SnapshotFile['trainedOn'];
}

export class ModelRepository {
  constructor(readonly dir: string) {}

  /** Saves a new version and makes it the latest; returns the version. */
  save(file: SnapshotFile): string {
    const folder = join(this.dir, file.snapshot.model);
    mkdirSync(folder, { recursive: true });
    writeSnapshotFile(join(folder, `${file.version}.snap`), file);
    const pointer = join(folder, 'LATEST');
    writeFileSync(`${pointer}.tmp`, `${file.version}\n`);
    renameSync(`${pointer}.tmp`, pointer);
    return file.version;
  }

  /** Model names with a current version. */
  names(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((name) => existsSync(join(this.dir, name, 'LATEST'))).sort();
  }

  latestVersion(name: string): string | undefined {
    const pointer = join(this.dir, name, 'LATEST');
    return existsSync(pointer) ? readFileSync(pointer, 'utf8').trim() : undefined;
  }

  /** The current version of a model, ready to score. */
  load(name: string): LoadedModel | undefined {
    const version = this.latestVersion(name);
    if (version === undefined) return undefined;
    const file = readSnapshotFile(join(this.dir, name, `${version}.snap`));
    return {
      name,
      version,
      createdAt: file.createdAt,
      model: modelSpec(file.snapshot.model).load(file.snapshot),
      users: IdMap.from(file.users),
      items: IdMap.from(file.items),
      trainedOn: file.trainedOn,
    };
  }
}

/** A sortable, unique-enough version: the UTC time to the millisecond. */
export function newVersion(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace('.', '');
}
