/**
 * The knowledge graph: items, users, brands, categories, attribute values and external entities
 * as dense node indices with stable string keys and human labels, and one sparse-row adjacency
 * per relation in each direction (`adjacency.ts`), all in typed arrays.
 *
 * Built from a store by `buildGraph` (catalog, then triples, then events) and kept current by
 * `addItems` / `addTriples` / `addEvents`. These stage edges; reads merge them (in time linear in
 * the relation): small relations at once, large ones (a million interactions) in batches once the
 * staged edges reach `mergeRatio` of them, so a stream of small updates stays cheap; `flush()`
 * merges everything. A user's recent items (the PageRank seeds) are current at once.
 *
 * What needs a rebuild: removing facts of a changed or deleted item, forgetting a deleted user's
 * events, merging an external entity into an item when its link arrives after the entity already
 * had edges. The report says when one of these happened (`needsRebuild`).
 */
import { DEFAULT_CONFIG } from '../core/config.js';
import type { EventRecord, EventType, Item } from '../core/schema.js';
import type { Progress } from '../ingest/progress.js';
import type { Store, Triple } from '../store/types.js';
import { Adjacency, grow } from './adjacency.js';
import { ItemWindows } from './cooccurrence.js';
import {
  CATEGORY_SEPARATOR,
  ENTITY_KINDS,
  EVENT_BIT,
  RELATIONS,
  RESERVED_RELATIONS,
  blank,
  categoryPath,
  cleanName,
  itemKey,
  kindOfKey,
  labelOfKey,
  normaliseRelation,
  userKey,
  validRelation,
  type EntityKind,
} from './names.js';
import type { GraphOptions } from './options.js';
import { RelationSet, type Relation } from './relations.js';
import { IssueLog, type GraphBuildReport, type GraphIssueKind, type RelationOrigin } from './report.js';

export type { GraphOptions } from './options.js';
export { eventTypesOf } from './names.js';

export interface BuildGraphOptions extends GraphOptions {
  /** Rows read per store page. Default 10,000. */
  pageSize?: number;
  progress?: Progress;
}

/**
 * Every `add*` merges what became due at its end (see `RelationSet`), so that the cost of merging lands
 * on the writer (the online worker) rather than on a request. `defer: true` only stages: a bulk
 * load calls `flush()` once at the end.
 */
export interface UpdateOptions {
  defer?: boolean;
}

const DEFER: UpdateOptions = { defer: true };

export interface RelationInfo {
  index: number;
  name: string;
  origin: RelationOrigin;
  /** Item ↔ item relations whose direction carries no meaning (bought/viewed together). */
  symmetric: boolean;
  edges: number;
}

const IN_CATALOG = 1;
const AVAILABLE = 2;
const KIND_CODE: Readonly<Record<EntityKind, number>> = { item: 0, user: 1, brand: 2, category: 3, attr: 4, ent: 5 };

export class KnowledgeGraph {
  readonly options: Readonly<Required<Omit<GraphOptions, 'attributes' | 'eventWeights'>>> & {
    eventWeights: Readonly<Partial<Record<EventType, number>>>;
    attributes: GraphOptions['attributes'];
  };
  private readonly keys: string[] = [];
  private readonly labels: string[] = [];
  private kinds = new Uint8Array(1024);
  private flags = new Uint8Array(1024);
  private degrees = new Int32Array(0);
  private readonly byKey = new Map<string, number>();
  /** Item and user ids → node, without building the key: the hot lookups of events. */
  private readonly byItemId = new Map<string, number>();
  private readonly byUserId = new Map<string, number>();
  /** Bare external ids (`m.0abc`, no kind prefix) → node: the hot lookup of triple endpoints. */
  private readonly byExternal = new Map<string, number>();
  /** Raw relation spelling → normalised name, or null when invalid or reserved. */
  private readonly relationNames = new Map<string, string | null>();
  private readonly kindCounts = new Int32Array(ENTITY_KINDS.length);
  private readonly edges: RelationSet;
  private readonly interacted: Relation;
  /** Per kind of co-occurrence: the event types that feed it, each session's window, its relation. */
  private readonly cooccurrence: Array<{ types: ReadonlySet<EventType>; windows: ItemWindows<string>; which: number }>;
  private readonly recent: ItemWindows<number>;
  private readonly log: IssueLog;
  private degreesAt = -1;
  private rebuild = false;
  private readonly counts = {
    items: 0,
    events: { read: 0, interactions: 0, cooccurrence: 0, withoutInteraction: 0 },
    triples: { read: 0, aliases: 0, edges: 0 },
    ms: 0,
  };

  constructor(options: GraphOptions = {}) {
    this.options = {
      eventWeights: options.eventWeights ?? DEFAULT_CONFIG.events.weights,
      boughtTypes: options.boughtTypes ?? ['purchase'],
      viewedTypes: options.viewedTypes ?? ['view', 'click', 'search_click'],
      cooccurrenceWindow: options.cooccurrenceWindow ?? 5,
      cooccurrenceNeighbours: options.cooccurrenceNeighbours ?? 20,
      recentItems: options.recentItems ?? 20,
      attributes: options.attributes,
      maxExamples: options.maxExamples ?? 5,
      mergeEagerBelow: options.mergeEagerBelow ?? 200_000,
      mergeRatio: options.mergeRatio ?? 0.02,
    };
    this.log = new IssueLog(this.options.maxExamples);
    const policy = {
      eagerBelow: this.options.mergeEagerBelow,
      ratio: this.options.mergeRatio,
      neighbours: this.options.cooccurrenceNeighbours,
      examples: this.options.maxExamples,
    };
    this.edges = new RelationSet(policy, (relation, count, examples) => {
      // Catalog facts never repeat (each item's are deduplicated): every repeat came from a triple.
      this.log.addMany('duplicate_triple', count, examples.map(([from, to]) => `${this.key(from)} ${relation.name} ${this.key(to)}`));
      this.counts.triples.edges -= count;
    });
    for (const name of [RELATIONS.madeBy, RELATIONS.inCategory, RELATIONS.subcategoryOf]) this.edges.ensure(name, 'catalog');
    this.interacted = this.edges.ensure(RELATIONS.interacted, 'events', 'sum', true);
    this.cooccurrence = [
      [RELATIONS.boughtTogether, this.options.boughtTypes] as const,
      [RELATIONS.viewedTogether, this.options.viewedTypes] as const,
    ].map(([name, types]) => ({
      types: new Set(types),
      windows: new ItemWindows<string>(this.options.cooccurrenceWindow, false),
      which: this.edges.cooccurrence(name),
    }));
    this.recent = new ItemWindows<number>(this.options.recentItems, true);
  }

  // ---- entities -------------------------------------------------------------------------------

  /** Number of entities (node indices are 0 .. size - 1). */
  get size(): number {
    return this.keys.length;
  }

  /** The node of a key; an external entity merged into an item (`ent:m.1`) resolves to the item. */
  index(key: string): number | undefined {
    return this.byKey.get(key);
  }

  itemIndex(id: string): number | undefined {
    return this.byItemId.get(id);
  }

  userIndex(id: string): number | undefined {
    return this.byUserId.get(id);
  }

  key(node: number): string {
    return this.keys[node] as string;
  }

  /** The item id of an item node (its key without `item:`). */
  itemId(node: number): string {
    return (this.keys[node] as string).slice(5);
  }

  label(node: number): string {
    return this.labels[node] as string;
  }

  kind(node: number): EntityKind {
    return ENTITY_KINDS[this.kinds[node] as number] as EntityKind;
  }

  /** The kind's code (`item` is 0): for hot loops that should not compare strings. */
  kindCode(node: number): number {
    return this.kinds[node] as number;
  }

  /** An item the catalog holds (not one known only from events or triples). */
  inCatalog(node: number): boolean {
    return ((this.flags[node] as number) & IN_CATALOG) !== 0;
  }

  /** In the catalog and available: an item a recommendation may show. */
  recommendable(node: number): boolean {
    return ((this.flags[node] as number) & (IN_CATALOG | AVAILABLE)) === (IN_CATALOG | AVAILABLE);
  }

  /** Grows by one at every merge of new edges: what caches of derived arrays compare. */
  get version(): number {
    this.sync();
    return this.edges.changes;
  }

  /** Edges of every relation, both directions, at this node. */
  degree(node: number): number {
    this.sync();
    if (this.degreesAt !== this.edges.changes) {
      // Recounted on first use after a change: O(rows of every relation).
      this.degrees = new Int32Array(this.size);
      for (const r of this.edges.list) {
        for (const a of [r.forward, r.inverse]) {
          for (let s = 0; s < a.rows.length; s++) {
            const v = a.rows[s] as number;
            this.degrees[v] = (this.degrees[v] as number) + (a.indptr[s + 1] as number) - (a.indptr[s] as number);
          }
        }
      }
      this.degreesAt = this.edges.changes;
    }
    return node < this.degrees.length ? (this.degrees[node] as number) : 0;
  }

  private addEntity(key: string, kind: EntityKind, label: string): number {
    const node = this.keys.length;
    this.keys.push(key);
    this.labels.push(label);
    if (node >= this.kinds.length) {
      this.kinds = grow(this.kinds, this.kinds.length * 2);
      this.flags = grow(this.flags, this.flags.length * 2);
    }
    const code = KIND_CODE[kind];
    this.kinds[node] = code;
    this.kindCounts[code] = (this.kindCounts[code] as number) + 1;
    this.byKey.set(key, node);
    if (kind === 'item') this.byItemId.set(key.slice(5), node);
    else if (kind === 'user') this.byUserId.set(key.slice(5), node);
    else if (kind === 'ent') this.byExternal.set(key.slice(4), node);
    return node;
  }

  private entity(key: string, kind: EntityKind, label: string): number {
    return this.byKey.get(key) ?? this.addEntity(key, kind, label);
  }

  /** An item's node, created outside the catalog when the catalog has not described it (yet). */
  private itemNode(id: string, issue?: GraphIssueKind, example?: () => string): number {
    const node = this.byItemId.get(id) ?? this.addEntity(itemKey(id), 'item', id);
    if (issue && !this.inCatalog(node)) this.log.add(issue, example ?? (() => itemKey(id)));
    return node;
  }

  // ---- relations ------------------------------------------------------------------------------

  private relationFor(name: string, origin: RelationOrigin): Relation {
    return this.edges.ensure(name, origin);
  }

  private stage(relation: Relation, from: number, to: number, weight: number, tag = 0): void {
    this.edges.stage(relation, from, to, weight, tag);
  }

  relations(): RelationInfo[] {
    this.sync();
    return this.edges.list.map((r) => ({ index: r.index, name: r.name, origin: r.origin, symmetric: r.symmetric, edges: r.forward.nnz }));
  }

  relationIndex(name: string): number | undefined {
    return this.edges.get(normaliseRelation(name))?.index;
  }

  relationName(index: number): string {
    return (this.edges.list[index] as Relation).name;
  }

  relationSymmetric(index: number): boolean {
    return (this.edges.list[index] as Relation).symmetric;
  }

  get relationCount(): number {
    return this.edges.list.length;
  }

  /** One relation's edges, forward (head → tail) or inverse (tail → head). */
  adjacency(relation: number, inverse = false): Adjacency {
    this.sync();
    const r = this.edges.list[relation];
    if (!r) return Adjacency.EMPTY;
    return inverse ? r.inverse : r.forward;
  }

  /** The weight of edge from → to in `relation` (0 when there is none). */
  edgeWeight(from: number, relation: number, to: number, inverse = false): number {
    const adjacency = this.adjacency(relation, inverse);
    const p = adjacency.edge(from, to);
    return p < 0 ? 0 : (adjacency.weights[p] as number);
  }

  /** Whether the graph holds `fromKey —relation→ toKey` (or, with `inverse`, `toKey —relation→ fromKey`). */
  hasEdge(fromKey: string, relation: string, toKey: string, inverse = false): boolean {
    const from = this.index(fromKey);
    const to = this.index(toKey);
    const r = this.relationIndex(relation);
    return from !== undefined && to !== undefined && r !== undefined && this.edgeWeight(from, r, to, inverse) > 0;
  }

  /** Merges every staged edge into the adjacency arrays (a build ends with this). */
  flush(): void {
    this.edges.merge(this.size, true);
  }

  /** Merges what is due (see `RelationSet`): small relations at once, large ones in batches. */
  private sync(): void {
    if (this.edges.dirty) this.edges.merge(this.size, false);
  }

  // ---- catalog --------------------------------------------------------------------------------

  /**
   * Adds items with their brand, category path and attribute values. An item the graph already
   * holds gets its label, availability and new facts; facts it lost stay until a rebuild.
   */
  addItems(items: readonly Item[], options: UpdateOptions = {}): void {
    const started = performance.now();
    const known = items.some((item) => {
      const node = this.itemIndex(item.id);
      return node !== undefined && this.inCatalog(node);
    });
    if (known) this.flush();
    for (const item of items) this.applyItem(item);
    this.counts.ms += performance.now() - started;
    if (!options.defer) this.sync();
  }

  private applyItem(item: Item): void {
    const existing = this.itemIndex(item.id);
    const changed = existing !== undefined && this.inCatalog(existing);
    if (changed) {
      this.log.add('changed_item', () => itemKey(item.id));
      this.rebuild = true;
    } else {
      this.counts.items++;
    }
    const node = existing ?? this.addEntity(itemKey(item.id), 'item', item.id);
    this.labels[node] = item.title?.trim() || item.id;
    this.flags[node] = IN_CATALOG | (item.available === false ? 0 : AVAILABLE);
    const fact = (relation: Relation, to: number) => {
      if (changed && relation.forward.edge(node, to) >= 0) return;
      this.stage(relation, node, to, 1);
    };

    const brand = item.brand === undefined ? '' : cleanName(item.brand);
    if (brand) fact(this.relationFor(RELATIONS.madeBy, 'catalog'), this.entity(`brand:${brand}`, 'brand', brand));

    if (item.categories?.length) {
      const path = categoryPath(item.categories);
      if (path.cycle) this.log.add('category_cycle', () => `${itemKey(item.id)}: [${item.categories?.map((c) => JSON.stringify(c)).join(', ')}]`);
      const category = this.categoryNode(path.names);
      if (category >= 0) fact(this.relationFor(RELATIONS.inCategory, 'catalog'), category);
    }

    const { include, exclude, maxValueLength = 80 } = this.options.attributes ?? {};
    for (const [key, value] of Object.entries(item.attributes ?? {})) {
      if ((include && !include.includes(key)) || exclude?.includes(key)) continue;
      const name = validRelation(`has_${key}`);
      if (!name || RESERVED_RELATIONS.has(name)) {
        this.log.add('invalid_relation', () => `attribute key ${JSON.stringify(key)} of ${itemKey(item.id)}`);
        continue;
      }
      const relation = this.relationFor(name, 'catalog');
      const attrKey = name.slice(4);
      const values = new Set((Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? cleanName(v) : String(v))));
      for (const v of values) {
        if (!v || v.length > maxValueLength) {
          this.log.add('skipped_attribute', () => `${itemKey(item.id)} ${key}=${JSON.stringify(v.slice(0, 40))}${v.length > 40 ? '…' : ''}`);
          continue;
        }
        fact(relation, this.entity(`attr:${attrKey}=${v}`, 'attr', `${key}: ${v}`));
      }
    }
  }

  /** The node of the deepest category of a path, creating its ancestors with `subcategory_of` edges. */
  private categoryNode(names: readonly string[]): number {
    let parent = -1;
    let path = '';
    for (const name of names) {
      path = path ? `${path}${CATEGORY_SEPARATOR}${name}` : name;
      const key = `category:${path}`;
      let node = this.byKey.get(key);
      if (node === undefined) {
        node = this.addEntity(key, 'category', path);
        if (parent >= 0) this.stage(this.relationFor(RELATIONS.subcategoryOf, 'catalog'), node, parent, 1);
      }
      parent = node;
    }
    return parent;
  }

  // ---- triples --------------------------------------------------------------------------------

  /**
   * Adds imported triples. `item:<id>` names an item; other keys with a kind prefix (`brand:`,
   * `category:`, `attr:`, `user:`, `ent:`) name that entity; anything else is an external entity
   * `ent:<id>`. A `same_as` triple between an item and an external entity merges the entity into
   * the item (the `.link` file of RecBole's KG datasets), so that the entity's facts become the
   * item's. Links are applied before the other triples of the same call.
   */
  addTriples(triples: readonly Triple[], options: UpdateOptions = {}): void {
    const started = performance.now();
    for (const t of triples) this.applyLink(t);
    for (const t of triples) this.applyTriple(t, 'all');
    this.counts.ms += performance.now() - started;
    if (!options.defer) this.sync();
  }

  /** The first half of `addTriples` for triples read in pages: only the `same_as` item links. */
  addLinks(triples: readonly Triple[]): void {
    const started = performance.now();
    for (const t of triples) this.applyLink(t);
    this.counts.ms += performance.now() - started;
  }

  /**
   * The second half: every triple but the links spelt exactly `same_as`, which `addLinks` is taken
   * to have applied already (a build lists those first); links spelt otherwise are applied here.
   */
  addFacts(triples: readonly Triple[], options: UpdateOptions = {}): void {
    const started = performance.now();
    for (const t of triples) this.applyTriple(t, 'exact');
    this.counts.ms += performance.now() - started;
    if (!options.defer) this.sync();
  }

  /** A triple's relation name normalised, or null when invalid or reserved (cached per spelling). */
  private tripleRelation(raw: string): string | null {
    let name = this.relationNames.get(raw);
    if (name === undefined) {
      const valid = validRelation(raw);
      name = valid === undefined || RESERVED_RELATIONS.has(valid) ? null : valid;
      this.relationNames.set(raw, name);
    }
    return name;
  }

  /** The item id and external entity key of a `same_as` link, or undefined for another triple. */
  private linkOf(t: Triple, relation = this.tripleRelation(t.relation)): { item: string; entity: string } | undefined {
    if (relation !== RELATIONS.sameAs) return undefined;
    const head = kindOfKey(t.head);
    const tail = kindOfKey(t.tail);
    const external = (kind: EntityKind | undefined, raw: string) =>
      kind === undefined ? `ent:${raw}` : kind === 'ent' ? raw : undefined;
    const link = (item: string, entity: string | undefined) => (item.trim() && entity && !blank(entity) ? { item, entity } : undefined);
    if (head === 'item') return link(t.head.slice(5), external(tail, t.tail));
    if (tail === 'item') return link(t.tail.slice(5), external(head, t.head));
    return undefined;
  }

  private applyLink(t: Triple): void {
    const link = this.linkOf(t);
    if (!link) return;
    const describe = () => `${t.head} ${t.relation} ${t.tail}`;
    const item = this.itemNode(link.item, 'unknown_item', describe);
    const existing = this.byKey.get(link.entity);
    if (existing === undefined) {
      this.byKey.set(link.entity, item);
      this.byExternal.set(link.entity.slice(4), item);
      this.counts.triples.aliases++;
    } else if (existing === item) {
      this.log.add('duplicate_triple', describe);
    } else {
      this.log.add('alias_conflict', () => `${describe()} (${link.entity} is already ${this.key(existing)})`);
      if (this.kind(existing) !== 'item') this.rebuild = true;
    }
  }

  private endpoint(raw: string, describe: () => string): number {
    const kind = kindOfKey(raw);
    if (kind === 'item') return this.itemNode(raw.slice(5), 'unknown_item', describe);
    if (kind !== undefined) return this.entity(raw, kind, labelOfKey(raw, kind));
    return this.byExternal.get(raw) ?? this.addEntity(`ent:${raw}`, 'ent', raw);
  }

  /** Every triple but a link (`linksApplied` says which links `applyLink` has already seen). */
  private applyTriple(t: Triple, linksApplied: 'all' | 'exact'): void {
    this.counts.triples.read++;
    const name = this.tripleRelation(t.relation);
    if (this.linkOf(t, name)) {
      if (linksApplied === 'exact' && t.relation !== RELATIONS.sameAs) this.applyLink(t);
      return;
    }
    const describe = () => `${t.head} ${t.relation} ${t.tail}`;
    if (blank(t.head) || blank(t.tail)) {
      this.log.add('invalid_triple', describe);
      return;
    }
    if (name === null) {
      this.log.add('invalid_relation', () => `${JSON.stringify(t.relation)} in ${describe()}`);
      return;
    }
    const head = this.endpoint(t.head, describe);
    const tail = this.endpoint(t.tail, describe);
    if (head === tail) {
      this.log.add('self_loop', describe);
      return;
    }
    this.stage(this.relationFor(name, 'triples'), head, tail, 1);
    this.counts.triples.edges++;
  }

  // ---- events ---------------------------------------------------------------------------------

  /**
   * Adds events in the order given (the store's order of receipt): each adds its type's weight to
   * the user → item `interacted` edge, moves the item to the front of the user's recent items and
   * pairs it with the session's recent bought or viewed items.
   */
  addEvents(events: readonly EventRecord[], options: UpdateOptions = {}): void {
    const started = performance.now();
    for (const e of events) this.applyEvent(e);
    this.counts.ms += performance.now() - started;
    if (!options.defer) this.sync();
  }

  private applyEvent(e: EventRecord): void {
    this.counts.events.read++;
    const item = this.byItemId.get(e.itemId) ?? this.addEntity(itemKey(e.itemId), 'item', e.itemId);
    if (!this.inCatalog(item)) this.log.add('event_unknown_item', () => `${e.id}: ${itemKey(e.itemId)}`);
    const weight = this.options.eventWeights[e.type] ?? 0;
    if (e.userId !== undefined && weight > 0) {
      const user = this.byUserId.get(e.userId) ?? this.addEntity(userKey(e.userId), 'user', e.userId);
      this.stage(this.interacted, user, item, weight, EVENT_BIT[e.type]);
      this.recent.push(user, item);
      this.counts.events.interactions++;
    } else {
      this.counts.events.withoutInteraction++;
    }
    const group = e.sessionId !== undefined ? `s:${e.sessionId}` : e.userId !== undefined ? `u:${e.userId}` : undefined;
    if (group === undefined) return;
    for (const co of this.cooccurrence) {
      if (!co.types.has(e.type)) continue;
      this.counts.events.cooccurrence++;
      co.windows.push(group, item, (other) => this.edges.countPair(co.which, item, other));
    }
  }

  /** The user's most recent distinct items (most recent first), as nodes written into `out`; returns the count. */
  recentItems(user: number, out: Int32Array | number[]): number {
    return this.recent.read(user, out);
  }

  // ---- report ---------------------------------------------------------------------------------

  /** Total bytes of the adjacency arrays, entity arrays and windows (strings not counted). */
  get bytes(): number {
    this.sync();
    let bytes = this.kinds.byteLength + this.flags.byteLength + this.degrees.byteLength + this.recent.bytes;
    bytes += this.edges.bytes;
    for (const co of this.cooccurrence) bytes += co.windows.bytes;
    return bytes;
  }

  report(): GraphBuildReport {
    this.sync();
    const entities = Object.fromEntries(ENTITY_KINDS.map((k) => [k, this.kindCounts[KIND_CODE[k]] as number])) as Record<EntityKind, number>;
    return {
      catalog: { items: this.counts.items },
      events: { ...this.counts.events },
      triples: { ...this.counts.triples },
      entities,
      relations: this.edges.list.map((r) => ({ name: r.name, origin: r.origin, edges: r.forward.nnz })),
      issues: this.log.snapshot(),
      needsRebuild: this.rebuild,
      pendingEdges: this.edges.pendingEdges,
      ms: Math.round(this.counts.ms + this.edges.ms),
      bytes: this.bytes,
    };
  }
}

/**
 * Builds the graph from a store: the catalog, then the triples (links first, in a pass of their
 * own), then the event log in the order received. Memory is the adjacency arrays plus one string
 * key and label per entity; no object is kept per edge.
 */
export async function buildGraph(store: Store, options: BuildGraphOptions = {}): Promise<KnowledgeGraph> {
  const graph = new KnowledgeGraph(options);
  const pageSize = options.pageSize ?? 10_000;
  const progress = options.progress;
  const stats = progress ? await store.stats() : undefined;

  progress?.start('catalog', stats?.items.total ?? 0);
  let cursor: string | undefined;
  let done = 0;
  do {
    const page = await store.items.list({ limit: pageSize, cursor });
    graph.addItems(page.data, DEFER);
    done += page.data.length;
    progress?.update(done);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

  // Links first, so that every triple about a linked entity lands on its item: a page of the
  // `same_as` triples, then every triple once (links spelt otherwise are applied on the way).
  progress?.start('triples', stats?.triples ?? 0);
  done = 0;
  let after: string | undefined;
  do {
    const page = await store.triples.list({ relation: RELATIONS.sameAs, limit: pageSize, cursor: after });
    graph.addLinks(page.data);
    after = page.nextCursor ?? undefined;
  } while (after);
  do {
    const page = await store.triples.list({ limit: pageSize, cursor: after });
    graph.addFacts(page.data, DEFER);
    progress?.update((done += page.data.length));
    after = page.nextCursor ?? undefined;
  } while (after);

  progress?.start('events', stats?.events.total ?? 0);
  done = 0;
  for await (const batch of store.events.scan(pageSize)) {
    graph.addEvents(batch, DEFER);
    progress?.update((done += batch.length));
  }
  graph.flush();
  progress?.stop();
  return graph;
}
