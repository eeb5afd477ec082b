/**
 * Decodes the library's merged allocation counters (`offheap_stats`) into a typed object. The field
 * order is the ABI of zig/src/stats.zig: per tier, then process-wide fields.
 *
 * @module
 */
import { library } from "./ffi/load.ts";
import { nativeFailure } from "./errors.ts";

/** The allocator tiers, in the order the library numbers them. */
export const TIERS = ["small", "medium", "mapped", "huge"] as const;

/** A tier: small (< 1 KiB), medium (1-16 KiB), mapped (16 KiB - 2 MiB), huge (> 2 MiB). */
export type Tier = typeof TIERS[number];

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
  /** Buffers collected by the GC without `free()` in this JS thread (see `heap.leaks()`). */
  leakedBuffers: number;
}

const TIER_FIELDS = ["allocs", "frees", "liveBytes", "bytesAllocated", "bytesFreed"] as const;
const GLOBAL_FIELDS = ["segmentsMapped", "segmentBytesMapped", "regionBytesMapped", "threadHeaps"] as const;

/** Reads and decodes the counters. `leakedBuffers` is supplied by the caller. */
export function readStats(leakedBuffers: number): HeapStats {
  const { native } = library();
  const fieldCount = native.offheap_stats_field_count();
  const out = new Float64Array(fieldCount);
  const written = native.offheap_stats(out, fieldCount);
  if (written < 0) throw nativeFailure("read stats", written, `capacity ${fieldCount}`);
  const tiers = {} as Record<Tier, TierStats>;
  TIERS.forEach((tier, t) => {
    const entry = {} as TierStats;
    TIER_FIELDS.forEach((field, f) => entry[field] = out[t * TIER_FIELDS.length + f]);
    tiers[tier] = entry;
  });
  const globalBase = TIERS.length * TIER_FIELDS.length;
  const stats = { tiers, leakedBuffers } as HeapStats;
  GLOBAL_FIELDS.forEach((field, f) => stats[field] = out[globalBase + f]);
  return stats;
}
