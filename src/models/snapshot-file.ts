/**
 * Versioned model snapshots on disk: one file per trained model, holding its parameters, its
 * typed arrays (raw little-endian bytes, 8-byte aligned) and the id maps that turn dense indices
 * back into the shop's ids. Layout: "SFSNAP1\n", uint32 header length, JSON header, arrays.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ParamValue, Snapshot } from './types.js';

const MAGIC = Buffer.from('SFSNAP1\n');

export interface SnapshotFile {
  snapshot: Snapshot;
  /** Dense user index → user id (session ids as `session:<id>`). */
  users: string[];
  /** Dense item index → item id. */
  items: string[];
  version: string;
  createdAt: string;
  /** What the model was trained on, for the API and the dashboard. */
  trainedOn: Record<string, ParamValue>;
}

type ArrayType = 'f32' | 'i32' | 'f64';

interface Header extends Omit<SnapshotFile, 'snapshot'> {
  model: string;
  params: Snapshot['params'];
  meta?: Snapshot['meta'];
  arrays: Array<{ name: string; type: ArrayType; length: number; offset: number }>;
}

function typeOf(a: Float32Array | Int32Array | Float64Array): ArrayType {
  return a instanceof Float32Array ? 'f32' : a instanceof Int32Array ? 'i32' : 'f64';
}

const align8 = (n: number) => (n + 7) & ~7;

/** Writes the snapshot atomically (a temporary file renamed into place). */
export function writeSnapshotFile(path: string, file: SnapshotFile): void {
  const entries = Object.entries(file.snapshot.arrays);
  let offset = 0;
  const arrays: Header['arrays'] = entries.map(([name, a]) => {
    const entry = { name, type: typeOf(a), length: a.length, offset };
    offset = align8(offset + a.byteLength);
    return entry;
  });
  const { snapshot, ...rest } = file;
  const header: Header = { ...rest, model: snapshot.model, params: snapshot.params, meta: snapshot.meta, arrays };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const start = align8(MAGIC.length + 4 + headerBytes.length);
  const out = Buffer.alloc(start + offset);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(headerBytes.length, MAGIC.length);
  headerBytes.copy(out, MAGIC.length + 4);
  entries.forEach(([, a], i) => {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, start + (arrays[i] as Header['arrays'][number]).offset);
  });
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, out);
  renameSync(temporary, path);
}

export function readSnapshotFile(path: string): SnapshotFile {
  const bytes = readFileSync(path);
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${path} is not a Shopfusion model snapshot`);
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const header = JSON.parse(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength).toString('utf8')) as Header;
  const start = align8(MAGIC.length + 4 + headerLength);
  const arrays: Snapshot['arrays'] = {};
  for (const a of header.arrays) {
    // Copy into a fresh, aligned buffer: the file buffer's offset may not suit the element size.
    const width = a.type === 'f64' ? 8 : 4;
    const copy = new ArrayBuffer(a.length * width);
    bytes.copy(new Uint8Array(copy), 0, start + a.offset, start + a.offset + a.length * width);
    arrays[a.name] = a.type === 'f32' ? new Float32Array(copy) : a.type === 'i32' ? new Int32Array(copy) : new Float64Array(copy);
  }
  const { model, params, meta, arrays: _layout, ...rest } = header;
  const snapshot: Snapshot = { model, params, arrays, ...(meta ? { meta } : {}) };
  return { ...rest, snapshot };
}
