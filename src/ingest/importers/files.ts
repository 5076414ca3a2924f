/** Finding an importer's input files, with errors that say what was looked for. */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ShopfusionError } from '../../core/errors.js';
import type { Entity } from './types.js';

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    throw new ShopfusionError('import_failed', `${path} does not exist`);
  }
}

/** Files in `dir` (not recursive), sorted, whose names pass `accept`. */
export function filesIn(dir: string, accept: (name: string) => boolean): string[] {
  return readdirSync(dir)
    .filter(accept)
    .sort()
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile());
}

export function requireFile(dir: string, name: string, format: string): string {
  const file = join(dir, name);
  try {
    if (statSync(file).isFile()) return file;
  } catch {
    // reported below
  }
  throw new ShopfusionError('import_failed', `${format} import needs ${name} in ${dir}`);
}

/** `items.jsonl`, `shop-events.csv` → the entity named in the file name. */
export function entityFromName(file: string, explicit: Entity | undefined): Entity {
  if (explicit) return explicit;
  const name = basename(file).toLowerCase();
  for (const entity of ['items', 'users', 'events'] as const) {
    if (name.includes(entity) || name.includes(entity.slice(0, -1))) return entity;
  }
  throw new ShopfusionError(
    'import_failed',
    `cannot tell whether ${basename(file)} holds items, users or events; name the file after one of them or pass --entity`,
  );
}

/**
 * The files of a jsonl/csv import with the entity each holds, items and users before events so
 * that events find their items: `path` is one file, or a folder of files with these extensions.
 */
export function entityFiles(path: string, extensions: readonly string[], entity: Entity | undefined): Array<{ file: string; entity: Entity }> {
  const files = isDirectory(path) ? filesIn(path, (n) => extensions.some((e) => n.endsWith(e))) : [path];
  if (files.length === 0) throw new ShopfusionError('import_failed', `no ${extensions.join(' or ')} files in ${path}`);
  const order = { items: 0, users: 1, events: 2 } as const;
  return files.map((file) => ({ file, entity: entityFromName(file, entity) })).sort((a, b) => order[a.entity] - order[b.entity]);
}
