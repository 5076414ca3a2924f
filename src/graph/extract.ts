/**
 * Relation (attribute) extraction from product text, for the knowledge graph: item —key→ value
 * edges from titles and descriptions, where the shop's structured attributes are missing.
 *
 * Four sources, each its own file:
 * - `gazetteer` (extract-gazetteer.ts): values learned from the shop's own structured attributes;
 * - `pattern` (extract-patterns.ts): quantities and units ("32gb", "1/2-inch", "500 ml", "2-pack");
 * - `segmenter` (extract-segment.ts): product-type words of Chinese titles, through jieba;
 * - `llm` (extract-llm.ts): an optional OpenAI-compatible chat endpoint.
 *
 * The local sources are combined by span: gazetteer and pattern matches compete longest-first (the
 * gazetteer wins ties: it is the shop's own vocabulary), then segmenter words fill only what is left.
 */
import type { AttributeExtractor, ExtractedAttribute, ExtractionSource } from './extract-types.js';
import type { Gazetteer } from './extract-gazetteer.js';
import { extractPatterns } from './extract-patterns.js';
import { defaultSegmenter, productTypes, type ProductTypeOptions, type WordSegmenter } from './extract-segment.js';
import { matchKey } from './extract-text.js';

export type { AttributeExtractor, ExtractedAttribute, ExtractionSource } from './extract-types.js';
export { Gazetteer, type GazetteerEntry, type GazetteerItem, type GazetteerOptions } from './extract-gazetteer.js';
export { extractPatterns } from './extract-patterns.js';
export { createWordSegmenter, productTypes, PRODUCT_HEADS, type SegmentedWord, type WordSegmenter } from './extract-segment.js';
export { createLlmExtractor, LlmExtractorError, type LlmExtractorOptions, type LlmFailure } from './extract-llm.js';

export interface ExtractOptions {
  /** Learned values to look for; without one, no gazetteer matches. */
  gazetteer?: Gazetteer;
  /** Quantity and unit patterns (default true). */
  patterns?: boolean;
  /**
   * Segmenter for Chinese product types: default the shared one (jieba, else Intl.Segmenter),
   * used only for texts with Han characters; `null` turns product types off.
   */
  segmenter?: WordSegmenter | null;
  productTypes?: ProductTypeOptions;
}

/** Attributes of one text from the local sources, in span order. Synchronous; no I/O. */
export function extractAttributes(text: string, options: ExtractOptions = {}): ExtractedAttribute[] {
  const primary = [...(options.gazetteer?.match(text) ?? []), ...(options.patterns === false ? [] : extractPatterns(text))];
  const kept = nonOverlapping(primary);
  if (options.segmenter !== null && /\p{Script=Han}/u.test(text)) {
    const segmenter = options.segmenter ?? defaultSegmenter();
    for (const word of productTypes(text, segmenter, options.productTypes)) {
      if (!kept.some((k) => overlaps(k.span, word.span))) kept.push(word);
    }
  }
  return kept.sort(bySpan);
}

export interface AttributeExtractorOptions extends ExtractOptions {
  /** Also ask this extractor (the LLM one); its values already found locally are not repeated. */
  llm?: AttributeExtractor;
}

/** The local sources, plus the LLM when given, behind the one `AttributeExtractor` seam. */
export function createAttributeExtractor(options: AttributeExtractorOptions = {}): AttributeExtractor {
  const { llm, ...local } = options;
  return {
    id: llm ? `local+${llm.id}` : 'local',
    async extract(text: string, signal?: AbortSignal): Promise<ExtractedAttribute[]> {
      const found = extractAttributes(text, local);
      if (!llm) return found;
      const seen = new Set(found.map((a) => `${a.key}\u0000${matchKey(a.value)}`));
      for (const a of await llm.extract(text, signal)) {
        const id = `${a.key}\u0000${matchKey(a.value)}`;
        if (seen.has(id)) continue;
        seen.add(id);
        found.push(a);
      }
      return found.sort(bySpan);
    },
  };
}

const PRIORITY: Record<ExtractionSource, number> = { gazetteer: 0, pattern: 1, segmenter: 2, llm: 3 };

/** Longest span first, then source priority, then leftmost; overlapping later ones are dropped. */
function nonOverlapping(found: ExtractedAttribute[]): ExtractedAttribute[] {
  const ordered = [...found].sort(
    (a, b) => b.span[1] - b.span[0] - (a.span[1] - a.span[0]) || PRIORITY[a.source] - PRIORITY[b.source] || a.span[0] - b.span[0],
  );
  const kept: ExtractedAttribute[] = [];
  for (const f of ordered) if (!kept.some((k) => overlaps(k.span, f.span))) kept.push(f);
  return kept;
}

function overlaps(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] < b[1] && b[0] < a[1];
}

function bySpan(a: ExtractedAttribute, b: ExtractedAttribute): number {
  return a.span[0] - b.span[0] || a.span[1] - b.span[1];
}
