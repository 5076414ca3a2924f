/**
 * The live knowledge graph of a shop: built from the store when the server starts (in the
 * background; the server answers meanwhile), then kept current from the ingestor — upserted items
 * and inserted events are added as soon as they are stored — and served as personalised PageRank
 * (the `graph/ppr` channel), explanation paths and neighbour lists.
 *
 * The walk is compiled by a timer (`refreshSeconds`), and only when the graph changed, never by a
 * request (`PersonalizedPageRank` with `refresh: 'manual'`): until the next refresh a request sees
 * new flags (an item made unavailable) and users' new recent items, not nodes or edges added since.
 *
 * What an update cannot apply in place — the facts a changed item lost, a deleted item, events
 * that may repeat stored ones — is reported as `needsRebuild`; `rebuild()` builds a new graph from
 * the store and swaps it in while the old one keeps serving. A deleted user starts one at once:
 * their history must not outlive them in explanations.
 */
import { ShopfusionError } from '../core/errors.js';
import type { EventRecord, EventType, Item, ItemInput } from '../core/schema.js';
import { buildGraph, type KnowledgeGraph } from '../graph/graph.js';
import { ENTITY_KINDS, blank, kindOfKey, type EntityKind } from '../graph/names.js';
import { neighbors, type EntityNeighbors, type NeighborQuery } from '../graph/neighbors.js';
import { explainPaths, type PathEntity, type PathHop } from '../graph/paths.js';
import { PersonalizedPageRank, type RelationWeight } from '../graph/ppr.js';
import type { GraphBuildReport, GraphIssue, GraphIssueKind } from '../graph/report.js';
import type { Progress } from '../ingest/progress.js';
import type { Store } from '../store/types.js';

export interface GraphIndexOptions {
  /** Restart probability of the walk (default 0.3). */
  alpha?: number;
  /** Relation → weight of the walk, both directions; every relation with weight 1 when absent. */
  relations?: Readonly<Record<string, number>>;
  /** Seconds between checks that recompile a changed walk (default 5). */
  refreshSeconds?: number;
  /** Popularity penalty β of the walk's item scores (default 0; `PprOptions.degreePenalty`). */
  degreePenalty?: number;
  /** Weight each event type adds to a user → item edge (config `events.weights`). */
  eventWeights?: Readonly<Partial<Record<EventType, number>>>;
  /** Store rows read per page by a build. */
  pageSize?: number;
  /** Told of failures in the background (a build, a refresh). */
  onError?: (error: Error, what: string) => void;
}

/** One explanation of a recommendation: a path from the user to the item, and what it says. */
export interface Explanation {
  sentence: string;
  score: number;
  /** The user first, the item last. */
  path: PathEntity[];
  /** Hop i goes from `path[i]` to `path[i + 1]`. */
  relations: PathHop[];
}

/** What a request reads: the graph and its compiled walk, swapped whole by a rebuild. */
export interface GraphEngine {
  readonly graph: KnowledgeGraph;
  readonly ppr: PersonalizedPageRank;
  /** Builds completed since start: 1 for the first graph. */
  readonly generation: number;
  /** The graph version the walk was last compiled at. */
  compiled: number;
}

export interface GraphBuildSummary {
  catalog: GraphBuildReport['catalog'];
  events: GraphBuildReport['events'];
  triples: GraphBuildReport['triples'];
  /** Only the kinds of bad input met, each with a few examples. */
  issues: Partial<Record<GraphIssueKind, GraphIssue>>;
  ms: number;
  bytes: number;
}

export interface GraphStatus {
  /** `building`: the first build or a rebuild runs (a graph already built keeps serving). */
  state: 'building' | 'ready' | 'failed';
  generation: number;
  progress: { step: string; done: number; total: number } | null;
  error: string | null;
  builtAt: string | null;
  nodes: number;
  edges: number;
  entities: Record<EntityKind, number> | null;
  relations: Array<{ name: string; origin: string; edges: number }>;
  walk: {
    alpha: number;
    degreePenalty: number;
    relations: string[];
    /** Configured relations this graph lacks. */
    ignoredRelations: string[];
    refreshSeconds: number;
    compiledVersion: number;
    /** The graph changed since the walk was compiled; the next refresh recompiles it. */
    stale: boolean;
    refreshes: number;
    lastRefreshMs: number | null;
  };
  /** Changes since the last build. */
  updates: { items: number; events: number; skippedEvents: number; failed: number; deletedItems: number; deletedUsers: number };
  needsRebuild: boolean;
  /** The report of the last completed build. */
  build: GraphBuildSummary | null;
}

/** The last `capacity` distinct ids: which events of a batch the store already held. */
class RecentIds {
  private readonly set = new Set<string>();
  private readonly ring: Array<string | undefined>;
  private at = 0;

  constructor(capacity = 100_000) {
    this.ring = new Array<string | undefined>(capacity);
  }

  add(id: string): void {
    if (this.set.has(id)) return;
    const old = this.ring[this.at];
    if (old !== undefined) this.set.delete(old);
    this.ring[this.at] = id;
    this.at = (this.at + 1) % this.ring.length;
    this.set.add(id);
  }

  has(id: string): boolean {
    return this.set.has(id);
  }
}

/** What arrives while a build reads the store, to apply to the new graph when the reading ends. */
interface Build {
  /** Event ids the build read (the last ones): an event both read and notified counts once. */
  readIds: RecentIds;
  /** Events notified during the build and not read (yet): the read of one removes it. */
  events: Map<string, EventRecord>;
  /** Items upserted during the build whose page was read before: the read of one removes it. */
  items: Map<string, Item>;
  deletedItems: Set<string>;
  deletedUsers: Set<string>;
  progress: GraphStatus['progress'];
  items0: number;
  events0: number;
}

/** `target` with some members replaced; its own methods stay bound to it. */
function override<T extends object>(target: T, members: Partial<T>): T {
  return new Proxy(target, {
    get(t, key) {
      if (Object.hasOwn(members, key)) return (members as Record<PropertyKey, unknown>)[key];
      const value: unknown = Reflect.get(t, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}

function asItem(input: ItemInput): Item {
  // The graph reads the facts and availability; the store's timestamps do not matter to it.
  return { ...input, available: input.available ?? true, createdAt: input.createdAt ?? '', updatedAt: '' };
}

function summary(report: GraphBuildReport): GraphBuildSummary {
  const issues = Object.fromEntries(Object.entries(report.issues).filter(([, v]) => v.count > 0)) as Partial<Record<GraphIssueKind, GraphIssue>>;
  return { catalog: report.catalog, events: report.events, triples: report.triples, issues, ms: report.ms, bytes: report.bytes };
}

export class GraphIndex {
  readonly alpha: number;
  readonly refreshSeconds: number;
  private current: GraphEngine | undefined;
  private state: GraphStatus['state'] = 'building';
  private error: string | null = null;
  private builtAt: number | null = null;
  private buildReport: GraphBuildSummary | null = null;
  private walkRelations: string[] = [];
  private ignoredRelations: string[] = [];
  private build: Build | undefined;
  private running: Promise<GraphStatus> | undefined;
  private queued: Promise<GraphStatus> | undefined;
  private generation = 0;
  /** Ids of the events the current graph holds (the last ones): what tells a new event from a repeat. */
  private ids = new RecentIds();
  private deletedItems = new Set<string>();
  private deletedUsers = new Set<string>();
  private readonly updates = { items: 0, events: 0, skippedEvents: 0, failed: 0 };
  private refreshes = 0;
  private lastRefreshMs: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly options: GraphIndexOptions = {},
  ) {
    this.alpha = options.alpha ?? 0.3;
    this.refreshSeconds = options.refreshSeconds ?? 5;
  }

  /** Starts the first build in the background and the refresh timer. */
  start(): void {
    this.rebuild().catch(() => {});
    this.timer = setInterval(() => this.refresh(), this.refreshSeconds * 1000);
    this.timer.unref();
  }

  /** The graph and walk requests read, or `not_ready` while the first build runs or after it failed. */
  engine(): GraphEngine {
    if (this.current) return this.current;
    if (this.state === 'failed') {
      throw new ShopfusionError('not_ready', `the knowledge graph could not be built: ${this.error}; POST /graph/rebuild retries`);
    }
    throw new ShopfusionError('not_ready', 'the knowledge graph is being built; GET /graph shows its progress');
  }

  /** Recompiles the walk if the graph changed since; returns whether it did. */
  refresh(): boolean {
    const engine = this.current;
    if (!engine || this.closed) return false;
    try {
      if (!engine.ppr.stale) return false;
      const started = performance.now();
      engine.ppr.refresh();
      engine.compiled = engine.graph.version;
      this.refreshes++;
      this.lastRefreshMs = Math.round((performance.now() - started) * 100) / 100;
      return true;
    } catch (error) {
      this.options.onError?.(error as Error, 'refreshing the graph walk failed');
      return false;
    }
  }

  // ---- updates from the ingestor -----------------------------------------------------------------

  /** Items upserted through the ingestor: added now; what they lost stays until a rebuild. */
  itemsChanged(inputs: readonly ItemInput[]): void {
    if (this.closed) return;
    const items = inputs.map(asItem);
    for (const item of items) {
      this.deletedItems.delete(item.id);
      this.build?.deletedItems.delete(item.id);
      this.build?.items.set(item.id, item);
    }
    this.apply(() => this.current?.graph.addItems(items));
    this.updates.items += items.length;
  }

  /** An update of the live graph; a failure is logged and left for a rebuild, never the writer's error. */
  private apply(update: () => void): void {
    try {
      update();
    } catch (error) {
      this.updates.failed++;
      this.options.onError?.(error as Error, 'updating the knowledge graph failed');
    }
  }

  /**
   * Events the store took: the new ones are added. The store counts repeats without naming them,
   * so they are told apart by the ids the graph remembers; a batch whose repeats it cannot place
   * is left out and reported (`skippedEvents`, `needsRebuild`) rather than counted twice.
   */
  eventsInserted(records: readonly EventRecord[], counts: { inserted: number; duplicates: number }): void {
    if (this.closed || counts.inserted === 0) return;
    const seen = new Set<string>();
    const fresh = records.filter((e) => {
      if (seen.has(e.id) || this.ids.has(e.id) || this.build?.readIds.has(e.id)) return false;
      seen.add(e.id);
      return true;
    });
    if (fresh.length !== counts.inserted) {
      this.updates.skippedEvents += counts.inserted;
      return;
    }
    for (const e of fresh) {
      this.ids.add(e.id);
      this.build?.events.set(e.id, e);
    }
    this.apply(() => this.current?.graph.addEvents(fresh));
    this.updates.events += fresh.length;
  }

  /** Deleted items: hidden from neighbour lists at once, gone from the graph at the next rebuild. */
  itemsDeleted(ids: readonly string[]): void {
    for (const id of ids) {
      this.deletedItems.add(id);
      this.build?.deletedItems.add(id);
    }
  }

  /** Deleted users: hidden at once, and a rebuild forgets their events. */
  usersDeleted(ids: readonly string[]): void {
    if (ids.length === 0 || this.closed) return;
    for (const id of ids) {
      this.deletedUsers.add(id);
      this.build?.deletedUsers.add(id);
    }
    this.rebuild().catch(() => {});
  }

  // ---- reads -------------------------------------------------------------------------------------

  isDeletedItem(id: string): boolean {
    return this.deletedItems.has(id);
  }

  isDeletedUser(id: string): boolean {
    return this.deletedUsers.has(id);
  }

  /** The best `limit` paths from the user to the item (none for a user or item the graph lacks). */
  explain(userId: string, itemId: string, limit = 3): Explanation[] {
    const { graph } = this.engine();
    if (this.deletedUsers.has(userId)) return [];
    // A bounded search: a user with a long history costs at most this many edge visits per item.
    return explainPaths(graph, userId, itemId, { limit, maxWork: 200_000 }).map((p) => ({
      sentence: p.sentence,
      score: p.score,
      path: p.entities,
      relations: p.hops,
    }));
  }

  /**
   * An entity's neighbours by relation and direction. A key is `<kind>:<id>` (`item:sku-1`,
   * `brand:Acme`, `attr:color=red`); a malformed key or an unknown relation is a
   * `validation_failed`, a key no entity has an `entity_not_found`.
   */
  neighbors(key: string, query: NeighborQuery = {}): EntityNeighbors {
    const kind = kindOfKey(key);
    if (kind === undefined || blank(key)) {
      throw new ShopfusionError(
        'validation_failed',
        `path.entity: ${JSON.stringify(key)} is not an entity key; expected <kind>:<id> with kind ${ENTITY_KINDS.join(', ')} ` +
          '(item:sku-1, brand:Acme, category:Shoes > Running, attr:color=red), percent-encoded in the path',
      );
    }
    const { graph } = this.engine();
    if (query.relation !== undefined && graph.relationIndex(query.relation) === undefined) {
      throw new ShopfusionError(
        'validation_failed',
        `query.relation: unknown relation ${JSON.stringify(query.relation)}; the graph has ${graph.relations().map((r) => r.name).join(', ')}`,
      );
    }
    const found = this.hidden(key) ? undefined : neighbors(graph, key, query);
    if (!found || this.hidden(found.key)) {
      throw new ShopfusionError('entity_not_found', `no entity of the knowledge graph has key ${JSON.stringify(key)}`);
    }
    if (this.deletedItems.size || this.deletedUsers.size) {
      for (const group of found.groups) group.neighbors = group.neighbors.filter((n) => !this.hidden(n.key));
    }
    return found;
  }

  /** A deleted item's or user's key. */
  private hidden(key: string): boolean {
    if (key.startsWith('item:')) return this.deletedItems.has(key.slice(5));
    if (key.startsWith('user:')) return this.deletedUsers.has(key.slice(5));
    return false;
  }

  status(): GraphStatus {
    const engine = this.current;
    const report = engine?.graph.report();
    return {
      state: this.state,
      generation: this.generation,
      progress: this.build?.progress ?? null,
      error: this.error,
      builtAt: this.builtAt === null ? null : new Date(this.builtAt).toISOString(),
      nodes: engine?.graph.size ?? 0,
      edges: report?.relations.reduce((sum, r) => sum + r.edges, 0) ?? 0,
      entities: report?.entities ?? null,
      relations: report?.relations ?? [],
      walk: {
        alpha: this.alpha,
        degreePenalty: this.options.degreePenalty ?? 0,
        relations: this.walkRelations,
        ignoredRelations: this.ignoredRelations,
        refreshSeconds: this.refreshSeconds,
        compiledVersion: engine?.compiled ?? -1,
        stale: engine?.ppr.stale ?? false,
        refreshes: this.refreshes,
        lastRefreshMs: this.lastRefreshMs,
      },
      updates: { ...this.updates, deletedItems: this.deletedItems.size, deletedUsers: this.deletedUsers.size },
      needsRebuild:
        (report?.needsRebuild ?? false) ||
        this.updates.skippedEvents > 0 ||
        this.updates.failed > 0 ||
        this.deletedItems.size > 0 ||
        this.deletedUsers.size > 0,
      build: this.buildReport,
    };
  }

  // ---- builds ------------------------------------------------------------------------------------

  /**
   * Builds a new graph from the store and swaps it in; the current one serves until then. A call
   * during a build waits for it and runs one more (which sees what changed meanwhile); further
   * calls join that one.
   */
  rebuild(): Promise<GraphStatus> {
    if (this.closed) return Promise.reject(new ShopfusionError('not_ready', 'the knowledge graph is closing'));
    if (!this.running) return this.startBuild();
    this.queued ??= this.running.then(
      () => this.startBuild(),
      () => this.startBuild(),
    );
    return this.queued;
  }

  private startBuild(): Promise<GraphStatus> {
    this.queued = undefined;
    const run = this.runBuild();
    this.running = run;
    run.then(
      () => (this.running = undefined),
      (error: Error) => {
        this.running = undefined;
        if (!this.closed) this.options.onError?.(error, 'building the knowledge graph failed');
      },
    );
    return run;
  }

  private async runBuild(): Promise<GraphStatus> {
    if (this.closed) throw new ShopfusionError('not_ready', 'the knowledge graph is closing');
    const build: Build = {
      readIds: new RecentIds(),
      events: new Map(),
      items: new Map(),
      deletedItems: new Set(),
      deletedUsers: new Set(),
      progress: null,
      items0: this.updates.items,
      events0: this.updates.events,
    };
    this.build = build;
    this.state = 'building';
    this.error = null;
    const progress: Progress = {
      start: (step, total) => (build.progress = { step, done: 0, total }),
      update: (done) => {
        if (build.progress) build.progress.done = done;
      },
      stop: () => {},
    };
    try {
      const graph = await buildGraph(this.storeFor(build), {
        eventWeights: this.options.eventWeights,
        pageSize: this.options.pageSize,
        progress,
      });
      if (this.closed) throw new ShopfusionError('not_ready', 'the knowledge graph is closing');
      // What arrived while the store was read, and the pages did not hold.
      if (build.items.size) graph.addItems([...build.items.values()]);
      const late = [...build.events.values()].filter((e) => !build.readIds.has(e.id));
      if (late.length) graph.addEvents(late);
      const report = graph.report();
      const { ppr, used, ignored } = this.walk(graph);
      ppr.refresh();
      this.current = { graph, ppr, generation: ++this.generation, compiled: graph.version };
      this.walkRelations = used;
      this.ignoredRelations = ignored;
      this.ids = build.readIds;
      for (const e of late) this.ids.add(e.id);
      this.deletedItems = build.deletedItems;
      this.deletedUsers = build.deletedUsers;
      this.updates.items -= build.items0;
      this.updates.events -= build.events0;
      this.updates.skippedEvents = 0;
      this.updates.failed = 0;
      this.builtAt = Date.now();
      this.buildReport = summary(report);
      this.state = 'ready';
      return this.status();
    } catch (error) {
      this.state = 'failed';
      this.error = (error as Error).message;
      throw error;
    } finally {
      this.build = undefined;
    }
  }

  /** The store as a build reads it: every page read is noted in `build`, and a close stops it. */
  private storeFor(build: Build): Store {
    const store = this.store;
    const open = () => {
      if (this.closed) throw new ShopfusionError('not_ready', 'the knowledge graph build stopped: the server is closing');
    };
    const items = override(store.items, {
      list: async (query) => {
        open();
        const page = await store.items.list(query);
        for (const item of page.data) build.items.delete(item.id);
        return page;
      },
    });
    const triples = override(store.triples, {
      list: (query) => {
        open();
        return store.triples.list(query);
      },
    });
    async function* scan(size?: number): AsyncIterable<EventRecord[]> {
      for await (const batch of store.events.scan(size)) {
        open();
        for (const e of batch) {
          build.readIds.add(e.id);
          build.events.delete(e.id);
        }
        yield batch;
      }
    }
    const events = override(store.events, { scan });
    return override(store, { items, triples, events });
  }

  /** The walk over the configured relations this graph has (all of them when none is configured or known). */
  private walk(graph: KnowledgeGraph): { ppr: PersonalizedPageRank; used: string[]; ignored: string[] } {
    const ignored: string[] = [];
    let relations: RelationWeight[] | undefined;
    if (this.options.relations) {
      relations = [];
      for (const [relation, weight] of Object.entries(this.options.relations)) {
        if (graph.relationIndex(relation) === undefined) ignored.push(relation);
        else relations.push({ relation, weight });
      }
      if (relations.length === 0) relations = undefined;
    }
    const ppr = new PersonalizedPageRank(graph, { alpha: this.alpha, relations, refresh: 'manual', degreePenalty: this.options.degreePenalty ?? 0 });
    const used = relations
      ? relations.filter((r) => (r.weight ?? 1) > 0).map((r) => graph.relationName(graph.relationIndex(r.relation) as number))
      : graph.relations().map((r) => r.name);
    return { ppr, used, ignored };
  }

  /** Stops the timer and any build in progress; the store may close after this. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.allSettled([this.running, this.queued]);
  }
}
