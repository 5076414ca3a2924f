/**
 * Explanation paths: why might this user like this item? The best few paths of at most three hops
 * from the user to the item (user —interacted→ X —made_by→ brand Z ←made_by— item), each as entity
 * keys, labels, relations and a sentence ("You bought X; X and the item share the brand Z.").
 *
 * A path's score is the product of its hops' normalised weights (weight / the largest weight in
 * the same relation at the hop's source, so the user's strongest interactions lead) divided by the
 * degree of the entity that connects to the item, counted in the relation of the last hop (a brand's
 * number of items, a genre's number of films), so that a rare shared director beats a shared
 * "Drama" genre (degree-discounted path counts, in the spirit of PathSim, Sun et al. 2011). Only
 * one path per connecting entity is kept, so the few paths returned say different things. Paths
 * never pass through another user (their behaviour is not ours to show).
 */
import type { EventType } from '../core/schema.js';
import type { Adjacency } from './adjacency.js';
import { eventTypesOf, type KnowledgeGraph } from './graph.js';
import { RELATIONS, relationNoun, type EntityKind } from './names.js';

export interface PathEntity {
  key: string;
  label: string;
  kind: EntityKind;
}

/** Hop i goes from `entities[i]` to `entities[i + 1]`; `inverse` when it follows the relation tail → head. */
export interface PathHop {
  relation: string;
  inverse: boolean;
}

export interface ExplanationPath {
  score: number;
  entities: PathEntity[];
  hops: PathHop[];
  sentence: string;
}

export interface PathOptions {
  /** At most this many paths (default 3). */
  limit?: number;
  /** Hops per path, 1 to 3 (default 3). */
  maxHops?: number;
  /** Relations a path may follow (all when absent). */
  relations?: readonly string[];
  /** Cap on edges examined, for a latency bound on users with long histories (default 1,000,000). */
  maxWork?: number;
}

interface EdgeType {
  relation: number;
  inverse: boolean;
  adjacency: Adjacency;
}

interface Candidate {
  score: number;
  nodes: number[];
  types: EdgeType[];
}

const USER = 1;

/** The most telling event type behind an interaction, and how a sentence says it. */
const VERBS: ReadonlyArray<[EventType, string]> = [
  ['purchase', 'bought'],
  ['add_to_cart', 'put in your cart'],
  ['like', 'liked'],
  ['rating', 'rated'],
  ['click', 'clicked on'],
  ['search_click', 'found in search'],
  ['view', 'viewed'],
];

export function explainPaths(graph: KnowledgeGraph, userId: string, itemId: string, options: PathOptions = {}): ExplanationPath[] {
  const user = graph.userIndex(userId);
  const item = graph.itemIndex(itemId);
  if (user === undefined || item === undefined) return [];
  const limit = options.limit ?? 3;
  const maxHops = Math.min(3, Math.max(1, options.maxHops ?? 3));
  let budget = options.maxWork ?? 1_000_000;
  const allowed = options.relations ? new Set(options.relations.map((r) => graph.relationIndex(r))) : undefined;
  const types: EdgeType[] = [];
  for (let r = 0; r < graph.relationCount; r++) {
    if (allowed && !allowed.has(r)) continue;
    for (const inverse of [false, true]) types.push({ relation: r, inverse, adjacency: graph.adjacency(r, inverse) });
  }
  const interacted = graph.relationIndex(RELATIONS.interacted);
  const inverseOf = (t: EdgeType) => types.find((o) => o.relation === t.relation && o.inverse !== t.inverse) as EdgeType;

  /** weight(from → to) / the largest weight of `from`'s row in that edge type. */
  const maxCache = new Map<string, number>();
  const normalised = (t: EdgeType, from: number, position: number) => {
    const cacheKey = `${t.relation}/${t.inverse}/${from}`;
    let max = maxCache.get(cacheKey);
    if (max === undefined) {
      max = t.adjacency.maxWeight(from);
      maxCache.set(cacheKey, max);
    }
    return (t.adjacency.weights[position] as number) / max;
  };

  // Best path per connecting entity (the node just before the item; the user for a direct edge).
  const best = new Map<number, Candidate>();
  const offer = (candidate: Candidate) => {
    const connecting = candidate.nodes[candidate.nodes.length - 2] as number;
    const known = best.get(connecting);
    if (!known || candidate.score > known.score) best.set(connecting, candidate);
  };

  // Hops into the item: for each neighbour B of the item, its best hop B → item.
  const intoItem = new Map<number, { type: EdgeType; weight: number; fanOut: number }>();
  for (const t of types) {
    const a = t.adjacency;
    const slot = a.slot(item);
    if (slot < 0) continue;
    const back = inverseOf(t);
    for (let p = a.indptr[slot] as number; p < (a.indptr[slot + 1] as number); p++) {
      const b = a.cols[p] as number;
      if (graph.kindCode(b) === USER && b !== user) continue;
      const position = back.adjacency.edge(b, item);
      if (position < 0) continue;
      const weight = normalised(back, b, position);
      const known = intoItem.get(b);
      if (!known || weight > known.weight) intoItem.set(b, { type: back, weight, fanOut: back.adjacency.degree(b) });
    }
  }

  // One hop: the user's own edge to the item.
  const direct = intoItem.get(user);
  if (direct) offer({ score: direct.weight, nodes: [user, item], types: [direct.type] });

  for (const t1 of types) {
    const a1 = t1.adjacency;
    const s1 = a1.slot(user);
    if (s1 < 0 || maxHops < 2) continue;
    for (let p1 = a1.indptr[s1] as number; p1 < (a1.indptr[s1 + 1] as number) && budget > 0; p1++) {
      const x = a1.cols[p1] as number;
      if (x === item || graph.kindCode(x) === USER) continue;
      const w1 = normalised(t1, user, p1);
      const two = intoItem.get(x);
      if (two) offer({ score: (w1 * two.weight) / two.fanOut, nodes: [user, x, item], types: [t1, two.type] });
      if (maxHops < 3) continue;
      for (const t2 of types) {
        // Other users lead nowhere a path may go.
        if (t2.relation === interacted && t2.inverse) continue;
        const a2 = t2.adjacency;
        const s2 = a2.slot(x);
        if (s2 < 0) continue;
        const end = a2.indptr[s2 + 1] as number;
        budget -= end - (a2.indptr[s2] as number);
        for (let p2 = a2.indptr[s2] as number; p2 < end; p2++) {
          const z = a2.cols[p2] as number;
          const three = intoItem.get(z);
          if (!three || z === user || z === item || z === x) continue;
          const score = (w1 * normalised(t2, x, p2) * three.weight) / three.fanOut;
          offer({ score, nodes: [user, x, z, item], types: [t1, t2, three.type] });
        }
      }
    }
  }

  // Ties: the shorter path, then the connecting entity's key, so that answers are deterministic.
  const connectingKey = (c: Candidate) => graph.key(c.nodes[c.nodes.length - 2] as number);
  return [...best.values()]
    .sort((a, b) => b.score - a.score || a.nodes.length - b.nodes.length || (connectingKey(a) < connectingKey(b) ? -1 : 1))
    .slice(0, limit)
    .map((c) => toPath(graph, c));
}

function toPath(graph: KnowledgeGraph, c: Candidate): ExplanationPath {
  const entities = c.nodes.map((n) => ({ key: graph.key(n), label: graph.label(n), kind: graph.kind(n) }));
  const hops = c.types.map((t) => ({ relation: graph.relationName(t.relation), inverse: t.inverse }));
  return { score: c.score, entities, hops, sentence: sentence(graph, c) };
}

function quote(graph: KnowledgeGraph, node: number): string {
  return graph.label(node);
}

/** What a hop says on its own: "A is made by B", "A is often bought together with B". */
function clause(graph: KnowledgeGraph, from: number, to: number, t: EdgeType): string {
  const name = graph.relationName(t.relation);
  const [head, tail] = t.inverse ? [to, from] : [from, to];
  const h = quote(graph, head);
  const tl = quote(graph, tail);
  switch (name) {
    case RELATIONS.boughtTogether:
      return `${quote(graph, from)} is often bought together with ${quote(graph, to)}`;
    case RELATIONS.viewedTogether:
      return `shoppers who viewed ${quote(graph, from)} also viewed ${quote(graph, to)}`;
    case RELATIONS.madeBy:
      return `${h} is made by ${tl}`;
    case RELATIONS.inCategory:
      return `${h} is in the category ${tl}`;
    case RELATIONS.subcategoryOf:
      return `${h} is a subcategory of ${tl}`;
    default:
      return name.startsWith('has_') ? `${h} has ${tl}` : `${h} is linked to ${tl} (${relationNoun(name)})`;
  }
}

/**
 * The one-word role of the entity a hop enters (`fromZ` false) or leaves (`fromZ` true): the
 * relation's tail names it (`made_by` → brand, `film.film.actor` → actor), and a Freebase-style
 * `domain.type.property` names its head by its type (`film.actor.film`: the head is an actor).
 */
function roleOf(graph: KnowledgeGraph, t: EdgeType, fromZ: boolean): string | undefined {
  const name = graph.relationName(t.relation);
  const zIsTail = t.inverse === fromZ;
  if (zIsTail) {
    if (name === RELATIONS.madeBy) return 'brand';
    if (name === RELATIONS.inCategory) return 'category';
    if (name === RELATIONS.subcategoryOf) return 'parent category';
    const noun = relationNoun(name);
    return noun.includes(' ') ? undefined : noun;
  }
  const parts = name.split('.');
  return parts.length >= 3 ? relationNoun(parts[parts.length - 2] as string) : undefined;
}

/** "You bought X; X and Y share the brand Z." */
function sentence(graph: KnowledgeGraph, c: Candidate): string {
  const { nodes, types } = c;
  const parts: string[] = [];
  const first = types[0] as EdgeType;
  const firstTarget = nodes[1] as number;
  if (graph.relationName(first.relation) === RELATIONS.interacted && !first.inverse) {
    const position = first.adjacency.edge(nodes[0] as number, firstTarget);
    const tag = position >= 0 && first.adjacency.tags ? (first.adjacency.tags[position] as number) : 0;
    const seen = new Set(eventTypesOf(tag));
    const verb = VERBS.find(([type]) => seen.has(type))?.[1] ?? 'looked at';
    parts.push(`You ${verb} ${quote(graph, firstTarget)}`);
  } else {
    parts.push(`You are linked to ${quote(graph, firstTarget)} (${relationNoun(graph.relationName(first.relation))})`);
  }
  let i = 1;
  while (i < types.length) {
    const t = types[i] as EdgeType;
    const next = types[i + 1];
    const z = nodes[i + 1] as number;
    // X → Z → Y through an entity Z that is not an item: X and Y share Z.
    if (next && graph.kind(z) !== 'item') {
      const [x, y] = [quote(graph, nodes[i] as number), quote(graph, nodes[i + 2] as number)];
      const role = roleOf(graph, t, false) ?? roleOf(graph, next, true);
      if (graph.kind(z) === 'attr') parts.push(`${x} and ${y} share ${quote(graph, z)}`);
      else if (role) parts.push(`${x} and ${y} share the ${role} ${quote(graph, z)}`);
      else parts.push(`${x} and ${y} are both linked to ${quote(graph, z)} (${relationNoun(graph.relationName(t.relation))})`);
      i += 2;
    } else {
      parts.push(clause(graph, nodes[i] as number, z, t));
      i += 1;
    }
  }
  return `${parts.join('; ')}.`;
}
