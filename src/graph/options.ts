/** What a knowledge graph is built from and how: event weights, co-occurrence, attributes, merging. */
import type { EventType } from '../core/schema.js';

export interface GraphOptions {
  /** Weight each event type adds to a user → item `interacted` edge; 0 adds no edge. Default: config `events.weights`. */
  eventWeights?: Readonly<Partial<Record<EventType, number>>>;
  /** Event types that make items "bought together" (default purchase). */
  boughtTypes?: readonly EventType[];
  /** Event types that make items "viewed together" (default view, click, search_click). */
  viewedTypes?: readonly EventType[];
  /**
   * Co-occurrence window: each event pairs its item with the previous `window` distinct items of the
   * same session (of the same user when the event has no session) and kind. Default 5.
   */
  cooccurrenceWindow?: number;
  /** Neighbours kept per item in `bought_together` / `viewed_together`, the strongest first. Default 20. */
  cooccurrenceNeighbours?: number;
  /** Recent items remembered per user (the default seeds of PageRank). Default 20. */
  recentItems?: number;
  attributes?: {
    /** Only these attribute keys become relations (all when absent). */
    include?: readonly string[];
    exclude?: readonly string[];
    /** Longer values (descriptions, not facts) are skipped. Default 80. */
    maxValueLength?: number;
  };
  /** Examples kept per issue in the report. Default 5. */
  maxExamples?: number;
  /** Relations with fewer edges merge staged edges at the end of each update (or the next read). Default 200,000. */
  mergeEagerBelow?: number;
  /** Larger relations merge once their staged edges reach this share of them. Default 0.02. */
  mergeRatio?: number;
}

