/**
 * The messages between the cache suite (bench/suites/cache.ts) and its Workers (cache_worker.ts),
 * apart from the Worker script for the reason bench_protocol.ts gives.
 *
 * @module
 */

/** The caches a Worker reads: the shared offheap Cache, or its own lru-cache copy of the entries. */
export type WorkerStore = "offheap" | "lru-cache";

/** The requests a cache Worker answers, one at a time. */
export type CacheRequest =
  /**
   * Opens liboffheap from `path` (the main thread's, already open there) and the shared cache from
   * `descriptor`; fills its own lru-cache with the same `entries` ("key:" + i, `valueBytes` each);
   * makes `lookups` seeded random keys (`seed`) to read.
   */
  | {
    op: "init";
    path?: string;
    descriptor: unknown;
    entries: number;
    valueBytes: number;
    lookups: number;
    seed: number;
  }
  /** `count` getInto (offheap) or get (lru-cache) of existing keys; the checksum is the bytes read. */
  | { op: "gets"; store: WorkerStore; count: number }
  /** Releases this Worker's handle on the shared cache and drops its lru-cache. */
  | { op: "close" };
