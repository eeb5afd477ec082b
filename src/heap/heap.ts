/**
 * The allocator's public face: the {@linkcode Heap} interface and the `heap` object that wires it to
 * the functions of this folder (alloc.ts for owned buffers, raw.ts for addresses, queries.ts for
 * what the library can tell about an address, options.ts and stats.ts for what it reports).
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import { leakReport, type LeakRecord, type OffheapBuffer } from "./buffer.ts";
import { alloc } from "./alloc.ts";
import { allocMany, allocRaw, freeMany, freeRaw, reallocRaw, view } from "./raw.ts";
import {
  type Backing,
  backingOf,
  currentNode,
  nodeOf,
  numaNodes,
  policyOf,
  residentBytes,
  tierOf,
  usableSize,
} from "./queries.ts";
import { type AllocOptions, type HeapOptions, type NumaMode, readOptions } from "./options.ts";
import { type HeapStats, readStats, type Tier } from "./stats.ts";

/** The allocator. */
export interface Heap {
  /**
   * Allocates `size` bytes and returns an owning {@linkcode OffheapBuffer}.
   *
   * @param size Bytes to allocate: a positive integer.
   * @param options Alignment, zeroing and a tag.
   * @returns The buffer; free it with `free()` or `using`.
   * @throws {TypeError} If `size` or an option has the wrong type.
   * @throws {RangeError} If `size` is not a positive integer or `align` is not a power of two up to 4096.
   * @throws {OffheapError} With code `OUT_OF_MEMORY` when the system has no memory left.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using buf = heap.alloc(1 << 20, { align: 64, zero: true });
   * assert.equal(buf.bytes()[12345], 0);
   * assert.equal(buf.tier, "mapped");
   * ```
   */
  alloc(size: number, options?: AllocOptions): OffheapBuffer;

  /**
   * Allocates `size` bytes and returns the address only: the fastest path, for hot loops.
   *
   * @param size Bytes to allocate: a positive integer.
   * @param align Alignment in bytes (power of two up to 4096); 0 or omitted means 16.
   * @returns The address. Free it with {@linkcode Heap.freeRaw}.
   * @throws {TypeError} If an argument is not a number.
   * @throws {RangeError} If `size` or `align` is invalid.
   * @throws {OffheapError} With code `OUT_OF_MEMORY`.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const address = heap.allocRaw(1024);
   * heap.view(address, 1024).fill(7);
   * assert.equal(heap.view(address, 1024)[1023], 7);
   * heap.freeRaw(address);
   * ```
   */
  allocRaw(size: number, align?: number): number;

  /**
   * Frees an address from {@linkcode Heap.allocRaw} (or any live offheap address).
   *
   * @param address The start of a live allocation.
   * @throws {OffheapError} `DOUBLE_FREE`, `NOT_OWNED` or `INTERIOR_POINTER`.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * heap.freeRaw(heap.allocRaw(64));
   * ```
   */
  freeRaw(address: number): void;

  /**
   * Allocates `count` blocks of `size` bytes in one call into the library, and writes their addresses
   * to `out[0]` … `out[count - 1]`. Each `allocRaw` pays one FFI crossing (3–4 ns in Deno), which is
   * most of the cost of a small block; a batch pays one for all of them. All or nothing: if any
   * allocation fails, the ones already made are freed and nothing is written that you must free.
   *
   * @param size Bytes per block: a positive integer.
   * @param count Number of blocks: an integer from 0 to 2^31 - 1.
   * @param out Where the addresses go (reuse it between batches); a new one of length `count` if omitted.
   * @param align Alignment in bytes (power of two up to 4096); 0 or omitted means 16.
   * @returns `out`. Free the blocks with {@linkcode Heap.freeMany} or one by one with {@linkcode Heap.freeRaw}.
   * @throws {TypeError} If an argument has the wrong type.
   * @throws {RangeError} If `size`, `count` or `align` is invalid, or `out` is shorter than `count`.
   * @throws {OffheapError} With code `OUT_OF_MEMORY`.
   *
   * @example Allocate 100 blocks, then free them all
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const addresses = heap.allocMany(64, 100);
   * heap.view(addresses[99], 64).fill(1);
   * assert.equal(heap.tierOf(addresses[0]), "small");
   * heap.freeMany(addresses);
   * ```
   */
  allocMany(size: number, count: number, out?: Float64Array, align?: number): Float64Array;

  /**
   * Frees every address of `addresses`, in order, in one call into the library. Stops at the first
   * address that is not a live block: the blocks before it are freed, it and the ones after it are
   * not, and the error names its index.
   *
   * @param addresses Addresses from {@linkcode Heap.allocMany} or {@linkcode Heap.allocRaw}; pass
   *   `addresses.subarray(0, n)` to free only the first `n`.
   * @throws {TypeError} If `addresses` is not a Float64Array.
   * @throws {OffheapError} `DOUBLE_FREE`, `NOT_OWNED` or `INTERIOR_POINTER`, for the first invalid address.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * const blocks = new Float64Array(16);
   * heap.allocMany(1024, 16, blocks);
   * heap.freeMany(blocks);
   * ```
   */
  freeMany(addresses: Float64Array): void;

  /**
   * A zero-copy byte view of `length` bytes at `address`, sliced from a cached per-mapping view.
   *
   * @param address An address inside offheap memory.
   * @param length Bytes to view.
   * @returns The view.
   * @throws {RangeError} If the range runs past the mapping.
   * @throws {OffheapError} `NOT_OWNED` if offheap does not own `address`.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const address = heap.allocRaw(16);
   * heap.view(address, 16).set([1, 2, 3]);
   * assert.deepEqual([...heap.view(address, 3)], [1, 2, 3]);
   * heap.freeRaw(address);
   * ```
   */
  view(address: number, length: number): Uint8Array;

  /**
   * Resizes a raw allocation, keeping its contents up to the smaller size.
   *
   * @param address A live address from {@linkcode Heap.allocRaw}.
   * @param size The new size in bytes.
   * @returns The (possibly moved) address; the old one must not be used again.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * let address = heap.allocRaw(8);
   * heap.view(address, 1)[0] = 42;
   * address = heap.reallocRaw(address, 100_000);
   * assert.equal(heap.view(address, 1)[0], 42);
   * heap.freeRaw(address);
   * ```
   */
  reallocRaw(address: number, size: number): number;

  /**
   * The usable size of a live allocation (at least what was requested).
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const address = heap.allocRaw(100);
   * assert.equal(heap.usableSize(address), 112);
   * heap.freeRaw(address);
   * ```
   */
  usableSize(address: number): number;

  /**
   * The tier that served a live allocation.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const address = heap.allocRaw(2048);
   * assert.equal(heap.tierOf(address), "medium");
   * heap.freeRaw(address);
   * ```
   */
  tierOf(address: number): Tier;

  /**
   * A snapshot of the allocator's counters, merged over every thread.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const before = heap.stats().tiers.small.allocs;
   * heap.freeRaw(heap.allocRaw(32));
   * assert.equal(heap.stats().tiers.small.allocs, before + 1);
   * ```
   */
  stats(): HeapStats;

  /**
   * Gives the region cache's memory back to the OS (unmaps every cached region) and lets hugetlb be
   * tried again after a failure. Live allocations are untouched.
   *
   * @returns Bytes released.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * heap.freeRaw(heap.allocRaw(1 << 20));
   * heap.trim();
   * assert.equal(heap.stats().cachedBytes, 0);
   * ```
   */
  trim(): number;

  /**
   * offheap's own share of the process's resident memory: the bytes of its segments and regions
   * (live, cached in the region cache or a thread's stash, or pinned by views) that are in RAM, by
   * `mincore`. Unlike the process RSS it leaves out the runtime's memory (JS heaps, Worker threads'
   * malloc arenas), so it is what to compare with the cache budget after {@linkcode Heap.trim}.
   * Pages of hugetlb mappings are counted, although the kernel's RSS leaves them out. Approximate
   * while other Workers allocate and free; it walks every mapping, so it is not for hot loops.
   *
   * @returns Resident bytes, a multiple of 4096.
   * @throws {OffheapError} `UNSUPPORTED` if the system refuses `mincore` (a sandbox).
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using buf = heap.alloc(1 << 20);
   * buf.bytes().fill(1); // touch every page
   * assert.ok(heap.residentBytes() >= 1 << 20);
   * ```
   */
  residentBytes(): number;

  /**
   * The NUMA node holding the page at `address`. Touch the page first: an untouched page has no node.
   *
   * @throws {OffheapError} `NOT_OWNED` if offheap does not own `address`.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using buf = heap.alloc(1 << 20, { node: 0 });
   * buf.bytes()[0] = 1;
   * assert.equal(heap.nodeOf(buf.address), 0);
   * ```
   */
  nodeOf(address: number): number;

  /**
   * The NUMA policy of the mapping holding `address`, as the kernel reports it.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using buf = heap.alloc(1 << 20, { numa: "interleave" });
   * assert.equal(heap.policyOf(buf.address), "interleave");
   * ```
   */
  policyOf(address: number): NumaMode;

  /**
   * What backs the pages of the allocation at `address`.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const address = heap.allocRaw(64);
   * assert.equal(heap.backingOf(address), "4k");
   * heap.freeRaw(address);
   * ```
   */
  backingOf(address: number): Backing;

  /**
   * The online NUMA nodes (from /sys/devices/system/node), e.g. `[0]` on a one-node machine.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.ok(heap.numaNodes().includes(heap.currentNode()));
   * ```
   */
  numaNodes(): number[];

  /**
   * The NUMA node of the CPU running the calling thread (it may migrate at any moment).
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.ok(heap.currentNode() >= 0);
   * ```
   */
  currentNode(): number;

  /**
   * The library's effective options.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.ok(heap.options().cacheBudgetBytes > 0);
   * ```
   */
  options(): HeapOptions;

  /**
   * Buffers that were garbage-collected without `free()` in this JS thread. Their memory is still
   * allocated: the report is for finding the missing `free()`.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * const { count, records } = heap.leaks();
   * if (count > 0) console.warn("leaked offheap buffers:", records.slice(0, 5));
   * ```
   */
  leaks(): { count: number; records: LeakRecord[] };
}

/**
 * The process-wide off-heap allocator, shared by every Worker.
 *
 * @example
 * ```ts
 * import { heap } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using buf = heap.alloc(256);
 * buf.bytes().fill(1);
 * assert.equal(buf.bytes()[255], 1);
 * ```
 */
export const heap: Heap = {
  alloc,
  allocRaw,
  freeRaw,
  allocMany,
  freeMany,
  view,
  reallocRaw,
  usableSize,
  tierOf,
  stats: () => readStats(leakReport().count),
  trim: () => library().native.offheap_trim(),
  residentBytes,
  nodeOf,
  policyOf,
  backingOf,
  numaNodes,
  currentNode,
  options: readOptions,
  leaks: leakReport,
};
