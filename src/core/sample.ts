/**
 * A seeded sample without replacement: Fisher–Yates with a small LCG of its own, reproducible and
 * independent of the models' generators. The evaluation harness and the fusion draw their
 * validation users with it, so that both pick the same users for the same seed.
 */
export function seededSample<T>(values: readonly T[], n: number, seed: number): T[] {
  if (values.length <= n) return values.slice();
  let state = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const copy = values.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}
