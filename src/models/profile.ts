/** The user side of content models: a recency-weighted view of the history's last items. */

/**
 * Calls `visit(item, weight)` for the last `maxHistory` items of `history`, the newest with
 * weight 1 and each older one `recency` times the next (recency 1: a plain mean's weights).
 */
export function forEachRecent(history: Int32Array, recency: number, maxHistory: number, visit: (item: number, weight: number) => void): void {
  let weight = 1;
  for (let t = history.length - 1; t >= 0 && history.length - t <= maxHistory; t--) {
    visit(history[t] as number, weight);
    weight *= recency;
  }
}
