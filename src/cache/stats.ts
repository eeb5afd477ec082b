/**
 * A cache's counters: `offheap_cache_stats` writes a flat f64 array whose field names the library
 * declares once (layout 4 of `offheap_layout`); they are decoded here by name, plus the derived
 * `hitRate`.
 *
 * @module
 */
import { decodeFields, layout } from "../ffi/layout.ts";
import { unwrap } from "../errors.ts";
import { bindCache } from "./native.ts";

/** A snapshot of one cache's counters (all shards summed). */
export interface CacheStats {
  /** Lookups (`get`, `getInto`, `fetch`) that found a live entry. `peek` and `has` count nothing. */
  hits: number;
  /** Lookups that found nothing (or an expired entry). */
  misses: number;
  /** Sets that stored a value (including those the adaptive policy then did not admit). */
  sets: number;
  /** Entries evicted to stay within `maxBytes`. */
  evictionsSize: number;
  /** Entries evicted to stay within `maxEntries`. */
  evictionsCount: number;
  /** Entries removed because their TTL had passed (on access, by the sweep or `purgeStale`). */
  evictionsTtl: number;
  /** Entries removed by `delete` or `clear`. */
  evictionsExplicit: number;
  /** Entries found expired. */
  expired: number;
  /** New keys the adaptive policy did not admit (they count as evictions too). */
  rejected: number;
  /** Bytes held: the sum over entries of encoded key + value + `entryOverheadBytes`. */
  bytes: number;
  /** Entries held. */
  entries: number;
  /** The `maxBytes` bound. */
  maxBytes: number;
  /** The `maxEntries` bound, as the library reports it (0 when there is none). */
  maxEntries: number;
  /** The number of shards. */
  shards: number;
  /** Bytes of metadata counted per entry. */
  entryOverheadBytes: number;
  /** The adaptive policy's current window share of each shard's bytes (0 for other policies). */
  windowFraction: number;
  /**
   * Native bytes the cache holds: the pages its entries use (64 KiB, or 256 KiB in shards of 256 MiB
   * or more; each serves one size class of 8-byte steps up to 2 KiB, 1/32 steps above), the blocks
   * of entries over 16 KiB, the hash index and the adaptive policy's sketch. `(memoryBytes - key and value bytes) / entries` is what an entry
   * really costs beyond its data; `bytes` is what the bounds count.
   */
  memoryBytes: number;
  /** `hits / (hits + misses)`, or 0 before the first lookup. */
  hitRate: number;
}

/** Reads the counters of the cache `handle` into `out` (grown if the layout is longer). */
export function readCacheCounters(handle: number, out: Float64Array): Float64Array {
  const names = layout("cacheStats");
  const values = out.length >= names.length ? out : new Float64Array(names.length);
  unwrap(bindCache().offheap_cache_stats(handle, values, values.length), "read Cache stats", `handle ${handle}`);
  return values;
}

/** The index of counter `name` in the stats array. */
export function counterIndex(name: keyof CacheStats): number {
  const index = layout("cacheStats").indexOf(name);
  if (index < 0) throw new Error(`liboffheap's cache stats have no field ${name}`);
  return index;
}

/** Decodes a stats array by name and adds `hitRate`. */
export function decodeCacheStats(values: Float64Array): CacheStats {
  const names = layout("cacheStats");
  const stats = decodeFields(names, values.subarray(0, names.length)) as unknown as CacheStats;
  const lookups = stats.hits + stats.misses;
  stats.hitRate = lookups === 0 ? 0 : stats.hits / lookups;
  return stats;
}
