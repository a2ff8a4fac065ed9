/**
 * The percentile every benchmark reports, by nearest rank: the smallest value with at least p % of
 * the values at or below it (p99 of 100 values is the 99th smallest, not the largest). NaN when
 * there are no values.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function percentile(xs: readonly number[], p: number): number {
  return percentileOfSorted([...xs].sort((a, b) => a - b), p);
}
