/**
 * Top-k selection over a dense score vector, without sorting all items. Ties are broken by the
 * lower item index (a fixed, documented rule), so results are deterministic.
 */
export interface TopK {
  items: Int32Array;
  scores: Float32Array;
}

/**
 * The k best items of `scores`, best first, skipping items where `exclude[item]` is 1 and items
 * scored -Infinity or NaN. A binary min-heap keeps the current best k. With `among`, only its
 * first `amongCount` items are considered (a sparse candidate list).
 */
export function topK(scores: Float32Array, k: number, exclude?: Uint8Array, among?: Int32Array, amongCount = among?.length ?? 0): TopK {
  const heapItems = new Int32Array(k);
  const heapScores = new Float32Array(k);
  let size = 0;
  // "worse" = lower score, or equal score and higher index.
  const worse = (i: number, j: number) =>
    (heapScores[i] as number) < (heapScores[j] as number) ||
    ((heapScores[i] as number) === (heapScores[j] as number) && (heapItems[i] as number) > (heapItems[j] as number));
  const swap = (i: number, j: number) => {
    const it = heapItems[i] as number;
    heapItems[i] = heapItems[j] as number;
    heapItems[j] = it;
    const sc = heapScores[i] as number;
    heapScores[i] = heapScores[j] as number;
    heapScores[j] = sc;
  };
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(l, m)) m = l;
      if (r < size && worse(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  if (k <= 0) return { items: new Int32Array(0), scores: new Float32Array(0) };
  const n = among ? amongCount : scores.length;
  for (let i = 0; i < n; i++) {
    const item = among ? (among[i] as number) : i;
    const s = scores[item] as number;
    if (!(s > -Infinity) || (exclude !== undefined && exclude[item] === 1)) continue;
    if (size < k) {
      heapItems[size] = item;
      heapScores[size] = s;
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(i, p)) break;
        swap(i, p);
        i = p;
      }
    } else if (s > (heapScores[0] as number) || (s === heapScores[0] && item < (heapItems[0] as number))) {
      // On equal scores the lower index wins the tie.
      heapItems[0] = item;
      heapScores[0] = s;
      siftDown(0);
    }
  }
  const order = Array.from({ length: size }, (_, i) => i).sort(
    (a, b) => (heapScores[b] as number) - (heapScores[a] as number) || (heapItems[a] as number) - (heapItems[b] as number),
  );
  return { items: Int32Array.from(order, (i) => heapItems[i] as number), scores: Float32Array.from(order, (i) => heapScores[i] as number) };
}
