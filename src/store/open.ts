/** Opens a store by URL: `sqlite:<path>` (the embedded default) or `memory:`. */
import { resolve } from 'node:path';
import { ShopfusionError } from '../core/errors.js';
import { MemoryStore } from './memory/memory-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './types.js';

export const STORE_SCHEMES = ['sqlite:', 'memory:'] as const;

export function openStore(url: string): Store {
  if (url === 'memory:') return new MemoryStore();
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new ShopfusionError('unsupported_store', 'sqlite store URL needs a file path, e.g. sqlite:./data/shop.db');
    return new SqliteStore(path === ':memory:' ? path : resolve(path));
  }
  throw new ShopfusionError(
    'unsupported_store',
    `store URL ${JSON.stringify(url)} is not supported; use one of: sqlite:<path>, memory:`,
  );
}
