/**
 * Totals over `heap.stats()`'s tiers that tests and the stress scripts check (the stats report
 * them per tier only). No test framework here, so scripts run as plain programs can import it.
 *
 * @module
 */

/** The allocator's live bytes over every tier. */
export function liveBytesOf(stats: { tiers: Record<string, { liveBytes: number }> }): number {
  return Object.values(stats.tiers).reduce((sum, tier) => sum + tier.liveBytes, 0);
}
