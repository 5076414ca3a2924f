/**
 * A recall channel: one named source of candidates (`vector/similar-items`, `cf/als`, ...). Each
 * returns scored items plus a digest of the model and settings that produced them, so a response
 * can say where every candidate came from.
 */

export interface RecallContext {
  userId?: string;
  /** The item of an item page (similar items). */
  itemId?: string;
  /** The user's or session's recent item ids, oldest first. */
  history: readonly string[];
}

export interface RecallResult {
  channel: string;
  /** Which model version or embedder and settings answered. */
  digest: string;
  items: Array<{ itemId: string; score: number }>;
}

export interface RecallOptions {
  k: number;
  /** Ids a candidate must not have (the item itself, the user's history, unavailable items). */
  exclude?: (itemId: string) => boolean;
}

export interface RecallChannel {
  readonly id: string;
  recall(context: RecallContext, options: RecallOptions): Promise<RecallResult>;
}
