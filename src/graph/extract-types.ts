/**
 * The shapes shared by the attribute extractors (gazetteer, patterns, segmenter, LLM), so that
 * each source file depends on this one and not on the others.
 */

/** Which extractor produced an attribute; a knowledge graph edge keeps it for `explain`. */
export type ExtractionSource = 'gazetteer' | 'pattern' | 'segmenter' | 'llm';

/** One attribute found in a text, e.g. `{ key: 'capacity', value: '32 GB', span: [14, 18] }`. */
export interface ExtractedAttribute {
  /** Attribute key: a shop's own key for gazetteer hits (`material`, `brand`), or a fixed one for patterns. */
  key: string;
  /** Normalised value: the shop's spelling for gazetteer hits, `32 GB` / `0.5 in` for patterns. */
  value: string;
  /**
   * UTF-16 offsets into the text as given: `text.slice(span[0], span[1])` is the mention. An LLM
   * value kept although it could not be found in the text spans the whole text.
   */
  span: [number, number];
  source: ExtractionSource;
  /** 0..1 where the source can estimate it (the gazetteer's learned precision of the value). */
  confidence?: number;
}

/** Any extractor behind one seam: local ones resolve at once, the LLM one after a round trip. */
export interface AttributeExtractor {
  /** `local`, `llm:<model>@<host>`, or a composition of them. */
  readonly id: string;
  /** Attributes in span order. Rejects only for the LLM (unreachable, timeout, unusable answer). */
  extract(text: string, signal?: AbortSignal): Promise<ExtractedAttribute[]>;
}
