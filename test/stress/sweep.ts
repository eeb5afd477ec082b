/**
 * Waiting for the pins of ended Workers to go, for the runners that end Workers holding region
 * views (stress.ts, churn.ts). A terminated Worker's FinalizationRegistry never runs; the library
 * drops its pins once the Worker's thread has exited, which `heap.trim()` checks. `terminate()`
 * returns before that thread is gone, so a runner trims until nothing freed is pinned, or gives up.
 *
 * @module
 */
import { heap } from "../../mod.ts";

/** Bytes of freed regions still mapped because some view pins them. */
export function pinnedFreedBytes(): number {
  const stats = heap.stats();
  const liveRegions = stats.tiers.mapped.liveBytes + stats.tiers.huge.liveBytes;
  return Math.max(0, stats.regionBytesMapped - liveRegions - stats.cachedBytes);
}

/** Trims every 20 ms until no freed region is pinned or `waitMs` has passed; returns what is left. */
export async function sweepEndedPins(waitMs: number): Promise<number> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    heap.trim();
    const pinned = pinnedFreedBytes();
    if (pinned === 0 || performance.now() > deadline) return pinned;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
