/**
 * Personalised PageRank over chosen relations, by forward push (Andersen, Chung, Lang 2006,
 * "Local graph partitioning using PageRank vectors", the push operation of §3 in its non-lazy
 * form): p[u] += α·r[u], and (1 − α)·r[u] spreads over u's out-edges, while some r[u] exceeds
 * ε·deg(u). The total work is O(1 / (α·ε)) whatever the graph's size.
 *
 * The walk is meta-path-like: at node u it first picks one of the chosen relation directions that
 * u has edges in, with probability proportional to that relation's weight, then an edge of it in
 * proportion to the edge weights. A node with no chosen edges sends its walk back to the seeds
 * (restart), as the power-iteration reference (`pprPowerIteration`) does.
 *
 * The chosen relations are compiled once into one transition matrix (dense rows, Float64
 * probabilities), so a push is one tight loop over a row. It is recompiled, in time linear in the
 * chosen relations' edges, at the first request after the graph changed (`refresh()` does it
 * ahead of time). One `PersonalizedPageRank` keeps its scratch arrays between requests: after the
 * first request on a graph of a given size, `run` allocates nothing.
 */
import { ShopfusionError } from '../core/errors.js';
import { Adjacency } from './adjacency.js';
import type { KnowledgeGraph } from './graph.js';

export interface RelationWeight {
  relation: string;
  /** Relative weight of following this relation (default 1). */
  weight?: number;
  /** forward: head → tail; inverse: tail → head; both (default): each, with this weight. */
  direction?: 'forward' | 'inverse' | 'both';
}

export interface PprOptions {
  /** Relations the walk may follow; all of them, both ways, weight 1, when absent. */
  relations?: readonly RelationWeight[];
  /** Restart probability α (default 0.3: walks stay near the seeds). */
  alpha?: number;
  /**
   * Push threshold ε: a residual below ε·degree stays unpushed (default 1e-5). The work is at most
   * 1 / (α·ε) edge visits; ~20k on ml-100k with its KG, 0.3 ms.
   */
  epsilon?: number;
  /** Hard cap on edge visits per request, for a latency bound (default 2,000,000). */
  maxWork?: number;
  /**
   * auto (default): a request after the graph changed recompiles the walk first (linear in the
   * chosen relations' edges: ~0.1–0.5 s at a million edges). manual: requests keep using the
   * last compiled walk until `refresh()` is called, say by the writer after its updates, so that
   * no request pays for it; nodes added since are then unknown to the walk.
   */
  refresh?: 'auto' | 'manual';
  /**
   * Popularity penalty β (default 0): an item's score is its PageRank divided by deg^β, deg its
   * edges in the walk, as RP3beta does with item popularity (Paudel et al. 2017). PageRank grows
   * with degree, so β > 0 lifts items with few edges: the long tail and items nobody has
   * interacted with yet, reached only through their brand, category and attributes.
   */
  degreePenalty?: number;
}

export interface PprItem {
  itemId: string;
  node: number;
  score: number;
}

export interface PprRequest {
  /** Seed nodes: the user's recent items, say. */
  seeds: ArrayLike<number>;
  /** One weight per seed (uniform when absent). */
  seedWeights?: ArrayLike<number>;
  k: number;
  /** Leave the seeds out of the result (default true). */
  excludeSeeds?: boolean;
  /** Further nodes to leave out (the user's other items). */
  exclude?: ArrayLike<number>;
}

/** The top items of the last request, in arrays reused by the next one. */
export interface PprTop {
  count: number;
  nodes: Int32Array;
  scores: Float32Array;
}

interface EdgeType {
  relation: number;
  inverse: boolean;
  weight: number;
}

function compile(graph: KnowledgeGraph, relations: readonly RelationWeight[] | undefined): EdgeType[] {
  const steps: readonly RelationWeight[] = relations ?? graph.relations().map((r) => ({ relation: r.name }));
  const types: EdgeType[] = [];
  for (const step of steps) {
    const relation = graph.relationIndex(step.relation);
    if (relation === undefined) {
      const known = graph.relations().map((r) => r.name);
      throw new ShopfusionError('invalid_argument', `unknown relation ${JSON.stringify(step.relation)}; the graph has ${known.join(', ')}`);
    }
    const weight = step.weight ?? 1;
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new ShopfusionError('invalid_argument', `relation weight of ${step.relation} must be a finite number >= 0, got ${weight}`);
    if (weight === 0) continue;
    const direction = step.direction ?? 'both';
    if (direction !== 'inverse') types.push({ relation, inverse: false, weight });
    if (direction !== 'forward') types.push({ relation, inverse: true, weight });
  }
  return types;
}

export class PersonalizedPageRank {
  readonly alpha: number;
  readonly epsilon: number;
  readonly maxWork: number;
  readonly degreePenalty: number;
  private readonly autoRefresh: boolean;
  private readonly types: EdgeType[];
  private version = -1;
  private nodes = 0;
  /** The compiled walk: row u holds P(u, ·) over the chosen relations. */
  private indptr = new Int32Array(1);
  private cols = new Int32Array(0);
  private probability = new Float64Array(0);
  /** deg(u)^−β per node, when β > 0. */
  private penalty = new Float64Array(0);
  private p = new Float64Array(0);
  private r = new Float64Array(0);
  private queue = new Int32Array(0);
  private queued = new Uint8Array(0);
  private touched = new Int32Array(0);
  private seen = new Uint8Array(0);
  private head = 0;
  private queueSize = 0;
  private touchedCount = 0;
  private mark = new Uint8Array(0);
  private seedNodes = new Int32Array(16);
  private seedMass = new Float64Array(16);
  private seedCount = 0;
  private readonly top: PprTop = { count: 0, nodes: new Int32Array(64), scores: new Float32Array(64) };
  /** Work done by the last request (edge visits) and whether `maxWork` cut it short. */
  lastWork = 0;
  lastTruncated = false;

  constructor(
    readonly graph: KnowledgeGraph,
    options: PprOptions = {},
  ) {
    this.alpha = options.alpha ?? 0.3;
    this.epsilon = options.epsilon ?? 1e-5;
    this.maxWork = options.maxWork ?? 2_000_000;
    this.degreePenalty = options.degreePenalty ?? 0;
    this.autoRefresh = options.refresh !== 'manual';
    if (!(this.degreePenalty >= 0 && this.degreePenalty <= 2)) throw new ShopfusionError('invalid_argument', `degreePenalty must be in [0, 2], got ${this.degreePenalty}`);
    if (!(this.alpha > 0 && this.alpha < 1)) throw new ShopfusionError('invalid_argument', `alpha must be in (0, 1), got ${this.alpha}`);
    if (!(this.epsilon > 0)) throw new ShopfusionError('invalid_argument', `epsilon must be > 0, got ${this.epsilon}`);
    this.types = compile(graph, options.relations);
  }

  /** True when the graph changed since the walk was compiled (a `manual` engine wants `refresh()`). */
  get stale(): boolean {
    return this.graph.version !== this.version || this.graph.size !== this.nodes;
  }

  /** Bytes of the compiled transition matrix and the scratch arrays. */
  get bytes(): number {
    return [this.indptr, this.cols, this.probability, this.p, this.r, this.queue, this.queued, this.touched, this.seen, this.mark].reduce((sum, a) => sum + a.byteLength, 0);
  }

  /**
   * Compiles the transition matrix P(u, v) = Σ_t (w_t / W(u)) · A_t(u, v) / rowSum_t(u), W(u) the
   * weights of the relation directions u has edges in, when the graph changed since the last call.
   */
  refresh(): void {
    const version = this.graph.version;
    const nodes = this.graph.size;
    if (version === this.version && nodes === this.nodes) return;
    const adjacencies = this.types.map((t) => this.graph.adjacency(t.relation, t.inverse));
    const weightSum = new Float64Array(nodes);
    const count = new Int32Array(nodes + 1);
    this.types.forEach((t, i) => {
      const a = adjacencies[i] as Adjacency;
      for (let s = 0; s < a.rows.length; s++) {
        const u = a.rows[s] as number;
        weightSum[u] = (weightSum[u] as number) + t.weight;
        count[u + 1] = (count[u + 1] as number) + (a.indptr[s + 1] as number) - (a.indptr[s] as number);
      }
    });
    for (let u = 0; u < nodes; u++) count[u + 1] = (count[u + 1] as number) + (count[u] as number);
    const indptr = count;
    const next = indptr.slice(0, nodes);
    const cols = new Int32Array(indptr[nodes] as number);
    const probability = new Float64Array(indptr[nodes] as number);
    this.types.forEach((t, i) => {
      const a = adjacencies[i] as Adjacency;
      for (let s = 0; s < a.rows.length; s++) {
        const u = a.rows[s] as number;
        const scale = t.weight / (weightSum[u] as number) / (a.rowSums[s] as number);
        let at = next[u] as number;
        for (let e = a.indptr[s] as number; e < (a.indptr[s + 1] as number); e++) {
          cols[at] = a.cols[e] as number;
          probability[at++] = scale * (a.weights[e] as number);
        }
        next[u] = at;
      }
    });
    this.indptr = indptr;
    this.cols = cols;
    this.probability = probability;
    if (this.degreePenalty > 0) {
      const beta = this.degreePenalty;
      this.penalty = new Float64Array(nodes);
      for (let u = 0; u < nodes; u++) this.penalty[u] = Math.max(1, (indptr[u + 1] as number) - (indptr[u] as number)) ** -beta;
    }
    if (nodes > this.p.length) {
      const size = Math.max(nodes, Math.ceil(this.p.length * 1.5));
      this.p = new Float64Array(size);
      this.r = new Float64Array(size);
      this.queue = new Int32Array(size);
      this.queued = new Uint8Array(size);
      this.touched = new Int32Array(size);
      this.seen = new Uint8Array(size);
      this.mark = new Uint8Array(size);
      this.touchedCount = 0;
    }
    this.version = version;
    this.nodes = nodes;
  }

  /** Out-edges of `node` in the compiled walk: the deg(u) of the push rule. */
  private degree(node: number): number {
    return (this.indptr[node + 1] as number) - (this.indptr[node] as number);
  }

  private touch(node: number): void {
    if (this.seen[node] === 1) return;
    this.seen[node] = 1;
    this.touched[this.touchedCount++] = node;
  }

  private enqueue(node: number): void {
    if (this.queued[node] === 1 || (this.r[node] as number) < this.epsilon * Math.max(1, this.degree(node))) return;
    this.queued[node] = 1;
    this.queue[(this.head + this.queueSize) % this.queue.length] = node;
    this.queueSize++;
  }

  private dequeue(): number {
    const node = this.queue[this.head] as number;
    this.head = (this.head + 1) % this.queue.length;
    this.queueSize--;
    this.queued[node] = 0;
    return node;
  }

  /**
   * Computes the PageRank vector of the seeds (kept in scratch arrays: `score(node)` reads it) and
   * returns the top `k` recommendable items, in arrays the next request reuses.
   */
  run(request: PprRequest): PprTop {
    if (this.autoRefresh || this.version < 0) this.refresh();
    for (let i = 0; i < this.touchedCount; i++) {
      const node = this.touched[i] as number;
      this.p[node] = 0;
      this.r[node] = 0;
      this.seen[node] = 0;
    }
    this.touchedCount = 0;
    this.head = 0;
    this.queueSize = 0;
    this.lastWork = 0;
    this.lastTruncated = false;
    this.top.count = 0;

    // The seed distribution s: normalised, seeds outside the graph ignored.
    const seeds = request.seeds;
    if (seeds.length > this.seedNodes.length) {
      this.seedNodes = new Int32Array(seeds.length * 2);
      this.seedMass = new Float64Array(seeds.length * 2);
    }
    let total = 0;
    this.seedCount = 0;
    for (let i = 0; i < seeds.length; i++) {
      const node = seeds[i] as number;
      const w = request.seedWeights ? (request.seedWeights[i] as number) : 1;
      if (!(node >= 0 && node < this.nodes) || !(w > 0)) continue;
      this.seedNodes[this.seedCount] = node;
      this.seedMass[this.seedCount++] = w;
      total += w;
    }
    if (this.seedCount === 0) return this.top;
    for (let i = 0; i < this.seedCount; i++) {
      const node = this.seedNodes[i] as number;
      this.touch(node);
      this.r[node] = (this.r[node] as number) + (this.seedMass[i] as number) / total;
      this.seedMass[i] = (this.seedMass[i] as number) / total;
    }
    for (let i = 0; i < this.seedCount; i++) this.enqueue(this.seedNodes[i] as number);

    const alpha = this.alpha;
    const indptr = this.indptr;
    const cols = this.cols;
    const probability = this.probability;
    while (this.queueSize > 0) {
      if (this.lastWork >= this.maxWork) {
        this.lastTruncated = true;
        break;
      }
      const u = this.dequeue();
      const ru = this.r[u] as number;
      this.r[u] = 0;
      this.p[u] = (this.p[u] as number) + alpha * ru;
      const mass = (1 - alpha) * ru;
      const start = indptr[u] as number;
      const end = indptr[u + 1] as number;
      if (start === end) {
        // Dangling in the chosen relations: the walk restarts at the seeds.
        for (let i = 0; i < this.seedCount; i++) {
          const s = this.seedNodes[i] as number;
          this.r[s] = (this.r[s] as number) + mass * (this.seedMass[i] as number);
          this.enqueue(s);
        }
        this.lastWork += this.seedCount;
        continue;
      }
      for (let e = start; e < end; e++) {
        const v = cols[e] as number;
        this.touch(v);
        this.r[v] = (this.r[v] as number) + mass * (probability[e] as number);
        this.enqueue(v);
      }
      this.lastWork += end - start;
    }
    // A request cut short leaves nodes queued: clear their flags so the next one starts clean.
    while (this.queueSize > 0) this.dequeue();
    return this.selectTop(request);
  }

  /**
   * The score of a node from the last request: its PageRank estimate (0 when the push never
   * reached it), divided by deg^β under a degree penalty.
   */
  score(node: number): number {
    if (!(node >= 0 && node < this.nodes)) return 0;
    const p = this.p[node] as number;
    return this.degreePenalty > 0 ? p * (this.penalty[node] as number) : p;
  }

  /** Whether heap entry i ranks below entry j (lower score, or equal score and higher node). */
  private worse(i: number, j: number): boolean {
    const s = this.top.scores;
    const n = this.top.nodes;
    return (s[i] as number) < (s[j] as number) || ((s[i] as number) === (s[j] as number) && (n[i] as number) > (n[j] as number));
  }

  private swap(i: number, j: number): void {
    const n = this.top.nodes;
    const s = this.top.scores;
    const a = n[i] as number;
    n[i] = n[j] as number;
    n[j] = a;
    const b = s[i] as number;
    s[i] = s[j] as number;
    s[j] = b;
  }

  private siftDown(start: number, length: number): void {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      let m = i;
      if (l < length && this.worse(l, m)) m = l;
      if (l + 1 < length && this.worse(l + 1, m)) m = l + 1;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private markExcluded(request: PprRequest, value: 0 | 1): void {
    if (request.excludeSeeds !== false) for (let i = 0; i < this.seedCount; i++) this.mark[this.seedNodes[i] as number] = value;
    const exclude = request.exclude;
    if (!exclude) return;
    for (let i = 0; i < exclude.length; i++) {
      const node = exclude[i] as number;
      if (node >= 0 && node < this.nodes) this.mark[node] = value;
    }
  }

  /** The best k recommendable items among the nodes the push reached, by a bounded min-heap. */
  private selectTop(request: PprRequest): PprTop {
    const k = Math.max(0, Math.floor(request.k));
    if (k > this.top.nodes.length) {
      this.top.nodes = new Int32Array(k);
      this.top.scores = new Float32Array(k);
    }
    const nodes = this.top.nodes;
    const scores = this.top.scores;
    this.markExcluded(request, 1);
    let n = 0;
    for (let i = 0; i < this.touchedCount && k > 0; i++) {
      const node = this.touched[i] as number;
      const score = Math.fround(this.score(node));
      if (score <= 0 || this.mark[node] === 1 || this.graph.kindCode(node) !== 0 || !this.graph.recommendable(node)) continue;
      if (n < k) {
        nodes[n] = node;
        scores[n] = score;
        let c = n++;
        while (c > 0) {
          const parent = (c - 1) >> 1;
          if (!this.worse(c, parent)) break;
          this.swap(c, parent);
          c = parent;
        }
      } else if (score > (scores[0] as number) || (score === scores[0] && node < (nodes[0] as number))) {
        nodes[0] = node;
        scores[0] = score;
        this.siftDown(0, n);
      }
    }
    // Heap → best first: move the worst to the end, one at a time.
    for (let end = n - 1; end > 0; end--) {
      this.swap(0, end);
      this.siftDown(0, end);
    }
    this.markExcluded(request, 0);
    this.top.count = n;
    return this.top;
  }

  /**
   * Top-k items for a user: seeds are the given item ids, or the user's recent items as the graph
   * remembers them; the user's own interacted items are left out unless `keepSeen`.
   */
  recommend(request: { userId?: string; itemIds?: readonly string[]; k: number; keepSeen?: boolean }): PprItem[] {
    const user = request.userId === undefined ? undefined : this.graph.userIndex(request.userId);
    let seeds: number[] = [];
    if (request.itemIds) {
      for (const id of request.itemIds) {
        const node = this.graph.itemIndex(id);
        if (node !== undefined) seeds.push(node);
      }
    } else if (user !== undefined) {
      const recent = new Int32Array(this.graph.options.recentItems);
      seeds = Array.from(recent.subarray(0, this.graph.recentItems(user, recent)));
    }
    let exclude: Int32Array | undefined;
    if (user !== undefined && !request.keepSeen) {
      const interacted = this.graph.relationIndex('interacted');
      const a = interacted === undefined ? Adjacency.EMPTY : this.graph.adjacency(interacted);
      const slot = a.slot(user);
      exclude = slot < 0 ? undefined : a.cols.subarray(a.indptr[slot] as number, a.indptr[slot + 1] as number);
    }
    // Later seeds are older: weight them down gently so the latest interest leads.
    const weights = seeds.map((_, i) => 1 / (1 + 0.1 * i));
    const top = this.run({ seeds, seedWeights: weights, k: request.k, exclude });
    const out: PprItem[] = [];
    for (let i = 0; i < top.count; i++) {
      const node = top.nodes[i] as number;
      out.push({ itemId: this.graph.itemId(node), node, score: top.scores[i] as number });
    }
    return out;
  }
}

/**
 * The same PageRank vector by power iteration, π ← α·s + (1 − α)·π·P with dangling nodes
 * restarting at s: the dense reference the push is tested against (O(iterations · edges)).
 */
export function pprPowerIteration(
  graph: KnowledgeGraph,
  options: PprOptions,
  seeds: readonly number[],
  seedWeights?: readonly number[],
  iterations = 200,
): Float64Array {
  const alpha = options.alpha ?? 0.3;
  const types = compile(graph, options.relations);
  const adjacencies = types.map((t) => graph.adjacency(t.relation, t.inverse));
  const n = graph.size;
  const s = new Float64Array(n);
  let total = 0;
  seeds.forEach((node, i) => {
    const w = seedWeights?.[i] ?? 1;
    s[node] = (s[node] as number) + w;
    total += w;
  });
  for (let i = 0; i < n; i++) s[i] = (s[i] as number) / total;
  let pi = s.slice();
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(n);
    let dangling = 0;
    for (let u = 0; u < n; u++) {
      const mass = pi[u] as number;
      if (mass === 0) continue;
      let weightSum = 0;
      types.forEach((t, i) => {
        if ((adjacencies[i] as Adjacency).slot(u) >= 0) weightSum += t.weight;
      });
      if (weightSum === 0) {
        dangling += mass;
        continue;
      }
      types.forEach((t, i) => {
        const a = adjacencies[i] as Adjacency;
        const slot = a.slot(u);
        if (slot < 0) return;
        for (let e = a.indptr[slot] as number; e < (a.indptr[slot + 1] as number); e++) {
          const v = a.cols[e] as number;
          next[v] = (next[v] as number) + (mass * t.weight * (a.weights[e] as number)) / weightSum / (a.rowSums[slot] as number);
        }
      });
    }
    for (let v = 0; v < n; v++) next[v] = alpha * (s[v] as number) + (1 - alpha) * ((next[v] as number) + dangling * (s[v] as number));
    pi = next;
  }
  return pi;
}
