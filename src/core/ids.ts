/** Event ids, opaque cursors and durations. */
import { createHash, randomUUID } from 'node:crypto';
import { ShopfusionError } from './errors.js';

/**
 * The id of an event sent without one but with a timestamp, derived from what makes it the same
 * event, so that a client retrying a batch, or an import run twice, stores each event once. The
 * content itself is the id when it is short (cheap, and neighbouring events of one user sort
 * together in the index); longer content is hashed.
 */
export function deriveEventId(e: {
  userId?: string;
  sessionId?: string;
  itemId: string;
  type: string;
  timestamp: number;
  value?: number;
  context?: object;
}): string {
  const key = JSON.stringify([e.userId ?? null, e.sessionId ?? null, e.itemId, e.type, e.timestamp, e.value ?? null, e.context ?? null]);
  if (key.length <= 200) return `d:${key}`;
  return `h:${createHash('sha1').update(key).digest('base64url')}`;
}

/** An event with neither id nor timestamp is a new event each time it is sent. */
export function newEventId(): string {
  return `r:${randomUUID()}`;
}

/** Cursors are opaque to clients: base64url of a small JSON tuple, checked on the way back. */
export function encodeCursor(position: string | number): string {
  return Buffer.from(JSON.stringify([position])).toString('base64url');
}

export function decodeCursor<T extends 'string' | 'number'>(
  cursor: string,
  kind: T,
): T extends 'string' ? string : number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 1 && typeof parsed[0] === kind) {
      return parsed[0] as T extends 'string' ? string : number;
    }
  } catch {
    // fall through to the error below
  }
  throw new ShopfusionError('invalid_cursor', `cursor ${JSON.stringify(cursor.slice(0, 64))} was not issued by this server; omit it to start from the beginning`);
}

const MAX_DURATION_MS = 100 * 365 * 86_400_000;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `30m`, `24h`, `7d`, `2w` → milliseconds. */
export function parseDuration(text: string, field: string): number {
  const match = /^(\d+)([mhdw])$/.exec(text.trim());
  if (!match) {
    throw new ShopfusionError('validation_failed', `${field}: must be a duration like 30m, 24h, 7d or 2w; got ${JSON.stringify(text)}`, {
      details: [{ path: field, message: 'must be a duration like 30m, 24h, 7d or 2w' }],
    });
  }
  const ms = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  if (ms > MAX_DURATION_MS) {
    const message = 'must be at most 100 years';
    throw new ShopfusionError('validation_failed', `${field}: ${message}; got ${JSON.stringify(text)}`, { details: [{ path: field, message }] });
  }
  return ms;
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
