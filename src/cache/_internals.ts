/**
 * The private hooks of `Cache` that tests need and users must not see: the manual clock. The class
 * installs them from its static block (only it can reach its private handle); they are not exported
 * from mod.ts.
 *
 * @module
 */
import type { Cache } from "./cache.ts";

/** The hooks a `Cache` installs. */
export interface CacheInternals {
  /** Switches the cache to a manual clock, for good, and sets it to `nowMs`. */
  setClock(cache: Cache, nowMs: number): void;
}

let internals: CacheInternals | undefined;

/** Called once, by `Cache`'s static block. */
export function installCacheInternals(hooks: CacheInternals): void {
  internals = hooks;
}

/**
 * Tests only: switches `cache` (and every handle on it, in every Worker) to a manual clock reading
 * `nowMs` milliseconds until the next call. The switch cannot be undone.
 */
export function setCacheClock(cache: Cache, nowMs: number): void {
  internals!.setClock(cache, nowMs);
}
