/**
 * Hybrid fusion of lexical and semantic hits.
 *
 * `linear` keeps each side's absolute strength, so neither can bury the other's strong hits:
 *  - a lexical score is divided by the query's best lexical score and multiplied by that best
 *    hit's coverage (the share of the query's words it matched), so a list whose best hit matches
 *    one word of four is weak as a whole, however its BM25 scores are spread;
 *  - a semantic score is its cosine above a floor, (cos − floor) / (1 − floor), clamped at 0: what
 *    a strong semantic match means does not depend on the other hits.
 * The fused score is (1 − w)·lexical + w·semantic. With `adaptive`, the semantic weight shrinks
 * as the lexical side gets stronger, w · (1 − best coverage): a query whose words all match some
 * title is answered by its words, and semantics step in where the words fall short (part of the
 * query unmatched, or nothing matched at all). `rrf` (Cormack et al. 2009) is the
 * rank-only baseline: Σ 1 / (60 + rank).
 */

export interface HybridParams {
  method: 'linear' | 'rrf';
  /** Weight of the semantic side (0 = lexical only). */
  semanticWeight: number;
  /** Cosine that counts as no semantic evidence at all. */
  cosineFloor: number;
  /** Scale the semantic weight by (1 − the best lexical hit's coverage). */
  adaptive?: boolean;
}

export const DEFAULT_HYBRID: HybridParams = { method: 'linear', semanticWeight: 0.3, cosineFloor: 0.3, adaptive: true };

export interface ScoredDoc {
  doc: number;
  score: number;
}

export interface FusedDoc {
  doc: number;
  score: number;
  /** The sides' normalised contributions before weighting (NaN where the side did not return it). */
  lexical: number;
  semantic: number;
}

/**
 * Fuses two hit lists (each best first). `lexicalStrength` is the coverage of the best lexical
 * hit (0..1). Documents only one side returned get 0 from the other.
 */
export function fuseHybrid(lexical: readonly ScoredDoc[], semantic: readonly ScoredDoc[], lexicalStrength: number, params: HybridParams): FusedDoc[] {
  const out = new Map<number, FusedDoc>();
  const entry = (doc: number) => {
    let e = out.get(doc);
    if (!e) out.set(doc, (e = { doc, score: 0, lexical: Number.NaN, semantic: Number.NaN }));
    return e;
  };
  const w = params.adaptive ? params.semanticWeight * (1 - Math.min(1, Math.max(0, lexicalStrength))) : params.semanticWeight;
  if (params.method === 'rrf') {
    lexical.forEach((h, rank) => {
      const e = entry(h.doc);
      e.lexical = 1 / (60 + rank + 1);
      e.score += (1 - w) * e.lexical;
    });
    semantic.forEach((h, rank) => {
      const e = entry(h.doc);
      e.semantic = 1 / (60 + rank + 1);
      e.score += w * e.semantic;
    });
  } else {
    const best = lexical[0]?.score ?? 0;
    for (const h of lexical) {
      const e = entry(h.doc);
      e.lexical = best > 0 ? (h.score / best) * lexicalStrength : 0;
      e.score += (1 - w) * e.lexical;
    }
    const floor = params.cosineFloor;
    for (const h of semantic) {
      const e = entry(h.doc);
      e.semantic = Math.max(0, (h.score - floor) / (1 - floor));
      e.score += w * e.semantic;
    }
  }
  return [...out.values()].sort((a, b) => b.score - a.score || a.doc - b.doc);
}
