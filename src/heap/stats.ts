/**
 * Decodes the library's merged allocation counters (`offheap_stats`) into a typed object, by the
 * field names the library declares once (zig/src/stats/fields.zig, read through `offheap_layout`):
 * a new counter is one line there and one property of {@linkcode HeapStats} here.
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import { decodeFields, layout } from "../ffi/layout.ts";
import { unwrap } from "../errors.ts";

/** A tier: small (< 1 KiB), medium (1-16 KiB), mapped (16 KiB - 2 MiB), huge (> 2 MiB). */
export type Tier = "small" | "medium" | "mapped" | "huge";

/** The allocator tiers, in the order the library numbers them. */
export const TIERS: readonly Tier[] = ["small", "medium", "mapped", "huge"];

/** Counters of one tier, summed over every thread. */
export interface TierStats {
  /** Allocations made. */
  allocs: number;
  /** Frees made. */
  frees: number;
  /** Bytes allocated and not yet freed (usable sizes). */
  liveBytes: number;
  /** Bytes allocated in total. */
  bytesAllocated: number;
  /** Bytes freed in total. */
  bytesFreed: number;
  /**
   * The highest live bytes seen at any `stats()` call (an exact peak would need a process-wide atomic
   * on every allocation, which made threads contend on one cache line).
   */
  peakBytes: number;
  /** Bytes mapped from the OS for the tier (small and medium share segments: both report them all). */
  mappedBytes: number;
  /** Allocations served from the region cache (mapped tier). */
  cacheHits: number;
  /** Allocations that had to map a new region (mapped tier). */
  cacheMisses: number;
  /** Cached bytes given back to the OS: MADV_FREE after the decay, unmapped by budget or trim(). */
  bytesPurged: number;
  /** Hugetlb pages (2 MiB and 1 GiB) in use (huge tier). */
  hugetlbPages: number;
  /** Bytes advised with MADV_HUGEPAGE (huge tier, THP fallback). */
  thpAdvisedBytes: number;
}

/** A snapshot of the allocator's counters. */
export interface HeapStats {
  /** Per-tier counters. */
  tiers: Record<Tier, TierStats>;
  /** Segments (4 MiB each) mapped for the small and medium tiers. */
  segmentsMapped: number;
  /** Bytes mapped for segments. */
  segmentBytesMapped: number;
  /** Bytes currently mapped for regions (mapped and huge tiers). */
  regionBytesMapped: number;
  /** Thread heaps created (one per thread that allocated). */
  threadHeaps: number;
  /**
   * Bytes of freed mapped-tier regions kept for reuse in the global region cache (at most the cache
   * budget). Regions in the per-thread stashes are counted in `stashedBytes` instead.
   */
  cachedBytes: number;
  /** Regions in the global region cache. */
  cachedRegions: number;
  /** mmap calls the allocator has made (a cache hit makes none). */
  osMapCalls: number;
  /** munmap calls the allocator has made. */
  osUnmapCalls: number;
  /** 2 MiB hugetlb pages in use. */
  hugetlbPages2m: number;
  /** 1 GiB hugetlb pages in use. */
  hugetlbPages1g: number;
  /** Online NUMA nodes. */
  numaNodes: number;
  /** Region bytes mapped with the interleave policy (not attributed to one node). */
  interleavedBytes: number;
  /**
   * Region bytes mapped per NUMA node (the bound, preferred or allocating thread's node), for nodes
   * 0-7; higher nodes count in the last entry.
   */
  bytesByNode: number[];
  /**
   * Bytes of freed mapped-tier regions each thread keeps for its own next allocations (at most 4 per
   * size and min(8 MiB, cache budget / 8) per thread), summed over threads. `trim()` empties the
   * calling thread's; a thread's is moved to the global cache when the thread ends.
   */
  stashedBytes: number;
  /** Regions in the per-thread stashes. */
  stashedRegions: number;
  /** Mapped-tier allocations served from the allocating thread's stash (also counted in `cacheHits`). */
  stashHits: number;
  /** Buffers collected by the GC without `free()` in this JS thread (see `heap.leaks()`). */
  leakedBuffers: number;
}

/** Reads and decodes the counters by the names the library gives them. `leakedBuffers` is supplied by the caller. */
export function readStats(leakedBuffers: number): HeapStats {
  const names = layout("stats");
  const out = new Float64Array(names.length);
  unwrap(library().native.offheap_stats(out, out.length), "read stats", `capacity ${out.length}`);
  return { ...decodeFields(names, out), leakedBuffers } as unknown as HeapStats;
}
