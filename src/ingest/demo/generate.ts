/**
 * A realistic synthetic shop for demos, tests and benchmarks: a bilingual catalog, users with
 * hidden tastes, and 90 days of session-shaped behaviour events. The same seed and `now` give the
 * same shop, byte for byte.
 *
 * Events are produced lazily. Sessions are simulated one at a time in start order; each session's
 * events (and its ratings, days later) wait in a small min-heap until no later session can start
 * before them, then leave in timestamp order. Memory stays proportional to the sessions in flight,
 * not to the number of events.
 */
import type { EventInput, ItemInput, UserInput } from '../../core/schema.js';
import { buildAudience } from './audience.js';
import { buildCatalog } from './catalog.js';
import { createRandom } from './random.js';
import { Rhythm } from './rhythm.js';
import { SessionSimulator, type SessionWorld } from './sessions.js';

export interface DemoOptions {
  /** Total number of events to generate (1,000 .. 1,000,000). */
  events: number;
  seed: number;
  /** End of the simulated period in epoch ms (default: Date.now() rounded down to the minute). Events span the 90 days before it. */
  now?: number;
}

export interface DemoShop {
  items: ItemInput[];
  users: UserInput[];
  /** Events in timestamp order, generated lazily (1M events must not need 1M objects in memory at once). */
  events(): Generator<EventInput>;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Length of the event window before `now`. */
export const DEMO_PERIOD_DAYS = 90;
export const MAX_DEMO_EVENTS = 1_000_000;
/** Sessions start no later than this before `now`, so most can run their course. */
const LAST_START_MS = 20 * MINUTE_MS;
/** About one session's worth of events: the random spread of a session start along the rhythm. */
const START_JITTER_EVENTS = 12;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * Catalog and audience size for an event count: items = clamp(round(events / 20), 200, 50,000) and
 * users = clamp(round(events / 25), 50, 100,000). That gives about 20 events per item and 25 per
 * user, dense enough for collaborative filtering, with a long tail of items seen a few times.
 */
export function demoSizes(events: number): { items: number; users: number } {
  return { items: clamp(Math.round(events / 20), 200, 50_000), users: clamp(Math.round(events / 25), 50, 100_000) };
}

/**
 * Builds the catalog and users at once (a few hundred milliseconds for the largest shop) and
 * returns them with a function that replays the events; each call of `events()` starts from the
 * beginning and yields the same sequence.
 */
export function generateDemoShop(options: DemoOptions): DemoShop {
  const total = options.events;
  if (!Number.isInteger(total) || total < 1 || total > MAX_DEMO_EVENTS) {
    throw new RangeError(`events must be an integer from 1 to ${MAX_DEMO_EVENTS}; got ${String(total)}`);
  }
  if (!Number.isFinite(options.seed)) throw new RangeError(`seed must be a finite number; got ${String(options.seed)}`);
  const now = options.now ?? Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  if (!Number.isSafeInteger(now) || now < DEMO_PERIOD_DAYS * 4 * DAY_MS) {
    throw new RangeError(`now must be epoch milliseconds (an integer after 1971); got ${String(options.now)}`);
  }
  const periodStart = now - DEMO_PERIOD_DAYS * DAY_MS;
  const root = createRandom(options.seed);
  const sizes = demoSizes(total);
  const catalog = buildCatalog(root.fork('catalog'), { count: sizes.items, now, periodStart });
  const audience = buildAudience(root.fork('audience'), catalog, { count: sizes.users, now, periodStart });
  // The seed in ids keeps two demo shops loaded into one store from colliding on event ids.
  const prefix = String(options.seed);
  const world: SessionWorld = { catalog, audience, now, prefix };

  function* events(): Generator<EventInput> {
    const rng = root.fork('sessions');
    const rhythm = new Rhythm(root.fork('rhythm'), periodStart, now - LAST_START_MS);
    const simulator = new SessionSimulator(world, rng);
    const queue = new EventQueue();
    const session: EventInput[] = [];
    let allocated = 0;
    let order = 0;
    let seq = 0;
    let sessionNo = 0;
    while (allocated < total) {
      // Session starts advance along the rhythm in step with the events spent so far, so the window
      // fills from its first day to its last whatever the sessions' lengths turn out to be, and the
      // count comes out exact.
      const start = Math.floor(rhythm.timeAt((allocated + rng.next() * START_JITTER_EVENTS) / total));
      session.length = 0;
      simulator.run(sessionNo++, start, total - allocated, session);
      if (session.length === 0) throw new Error('demo generator: a session produced no events');
      for (const e of session) queue.push(e.timestamp as number, order++, e);
      allocated += session.length;
      // No later session starts before this.
      const settled = allocated < total ? Math.floor(rhythm.timeAt(allocated / total)) : Number.POSITIVE_INFINITY;
      while (queue.size > 0 && queue.peekTime() <= settled) {
        const e = queue.pop();
        e.id = `ev-${prefix}-${String(seq++).padStart(7, '0')}`;
        yield e;
      }
    }
  }

  return { items: catalog.items, users: audience.users, events };
}

/** A binary min-heap of pending events by (timestamp, creation order): ties keep session order. */
class EventQueue {
  private times: number[] = [];
  private orders: number[] = [];
  private events: EventInput[] = [];

  get size(): number {
    return this.times.length;
  }

  peekTime(): number {
    return this.times[0] as number;
  }

  push(time: number, order: number, event: EventInput): void {
    let i = this.times.length;
    this.times.push(time);
    this.orders.push(order);
    this.events.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): EventInput {
    const top = this.events[0] as EventInput;
    const last = this.times.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.orders.pop();
    this.events.pop();
    let i = 0;
    const n = this.times.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a] as number;
    const tb = this.times[b] as number;
    return ta < tb || (ta === tb && (this.orders[a] as number) < (this.orders[b] as number));
  }

  private swap(a: number, b: number): void {
    const t = this.times[a] as number;
    this.times[a] = this.times[b] as number;
    this.times[b] = t;
    const o = this.orders[a] as number;
    this.orders[a] = this.orders[b] as number;
    this.orders[b] = o;
    const e = this.events[a] as EventInput;
    this.events[a] = this.events[b] as EventInput;
    this.events[b] = e;
  }
}
