/**
 * The allocator's public face: `heap.alloc()` for owned buffers, and `allocRaw` / `freeRaw` /
 * `view` for hot loops that want no object per allocation.
 *
 * @module
 */
import { library } from "./ffi/load.ts";
import { nativeAlloc } from "./ffi/hot.ts";
import { describe, expectNumber, expectPositiveInteger, nativeFailure, statusName } from "./errors.ts";
import { type Backing, backingAt, freeAddress, leakReport, type LeakRecord, OffheapBuffer } from "./buffer.ts";
import { bytesAt, detachRegion, detachRegions } from "./views.ts";
import { type HeapStats, readStats, type Tier, TIERS } from "./stats.ts";

/** Hugepage mode of an allocation: see {@linkcode AllocOptions.huge}. */
export type HugeMode = "auto" | "always" | "never";

/** A NUMA policy: see {@linkcode AllocOptions.numa}. */
export type NumaPolicy = "local" | "interleave" | "preferred";

/** The policy of a mapping as the kernel reports it ({@linkcode Heap.policyOf}). */
export type NumaMode = "default" | "preferred" | "bind" | "interleave" | "local";

/** An madvise hint for a mapped or huge allocation. */
export type Advice = "sequential" | "random" | "willneed";

/** Options of {@linkcode Heap.alloc}. */
export interface AllocOptions {
  /**
   * Alignment in bytes: a power of two from 1 to 4096, or up to 2 MiB (2097152) for the huge tier.
   * Default 16. Mapped and huge allocations are always at least 4096-aligned.
   */
  align?: number;
  /** Return zeroed memory (fresh mappings are not written twice). Default false. */
  zero?: boolean;
  /** A label that appears in leak reports. */
  tag?: string;
  /**
   * Hugepages. `"auto"` (default, or `OFFHEAP_HUGE`): sizes above 2 MiB get hugetlb pages when
   * reserved, else transparent hugepages. `"always"`: the huge tier at any size (rounded to 2 MiB).
   * `"never"`: ordinary 4 KiB pages. The buffer's `backing` says what it got.
   */
  huge?: HugeMode;
  /** Bind the memory to this NUMA node (mapped and huge tiers). A node that does not exist is a RangeError. */
  node?: number;
  /**
   * NUMA policy (mapped and huge tiers): `"local"` the allocating CPU's node, `"interleave"` pages
   * spread over every node, `"preferred"` the given `node` (or the current one) when it has memory.
   */
  numa?: NumaPolicy;
  /** An madvise hint for the mapping (mapped and huge tiers). */
  advice?: Advice;
  /** With transparent hugepages, collapse the mapping into hugepages at once (MADV_COLLAPSE). */
  collapse?: boolean;
}

/** The library's effective options (defaults, overridden by `OFFHEAP_*` environment variables). */
export interface HeapOptions {
  /** OFFHEAP_CACHE_BUDGET: bytes of freed mapped-tier regions kept for reuse. */
  cacheBudgetBytes: number;
  /** OFFHEAP_DECAY_MS: idle time before a cached region's pages are given back (MADV_FREE). */
  decayMs: number;
  /** OFFHEAP_HUGE_THRESHOLD: requests above this many bytes go to the huge tier. */
  hugeThresholdBytes: number;
  /** OFFHEAP_NUMA: the policy of allocations that name none. */
  numa: NumaPolicy;
  /** OFFHEAP_POISON: freed small and medium blocks are filled with 0xDE. */
  poison: boolean;
  /** OFFHEAP_HUGE: the hugepage mode of allocations that name none. */
  huge: HugeMode;
  /** OFFHEAP_HUGETLB_RETRY_MS: how long a failed hugetlb mapping is not retried. */
  hugetlbRetryMs: number;
}

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

const ALIGN_MAX = 4096;
const ALIGN_HUGE_MAX = 2 * 1024 * 1024;

function checkAlign(action: string, align: unknown, limit = ALIGN_MAX): number {
  if (align === undefined) return 0;
  expectNumber(action, "align", align);
  if (!Number.isInteger(align) || align < 1 || align > limit || (align & (align - 1)) !== 0) {
    const range = limit === ALIGN_MAX ? "from 1 to 4096" : "from 1 to 4096 (2097152 for the huge tier)";
    throw new RangeError(`Cannot ${action}: align must be a power of two ${range}, got ${describe(align)}`);
  }
  return align;
}

function allocRaw(size: number, align = 0): number {
  const address = nativeAlloc(size, align);
  if (address > 0) return address;
  return allocFailure(size, align, address);
}

/** Slow path of a failed allocation: turns the status into the most precise error. */
function allocFailure(size: unknown, align: unknown, status: number): never {
  expectPositiveInteger("allocate", "size", size);
  checkAlign("allocate", align === 0 ? undefined : align);
  throw nativeFailure("allocate", status, `size ${size}, align ${align}`);
}

function freeRaw(address: number): void {
  expectNumber("free", "address", address);
  freeAddress(address, "free");
}

/** Largest batch: the library returns counts as i32. */
const BATCH_MAX = 2 ** 31 - 1;

function allocMany(size: number, count: number, out?: Float64Array, align = 0): Float64Array {
  expectPositiveInteger("allocate", "size", size);
  checkAlign("allocate", align === 0 ? undefined : align);
  expectNumber("allocate", "count", count);
  if (!Number.isInteger(count) || count < 0 || count > BATCH_MAX) {
    throw new RangeError(`Cannot allocate: count must be an integer from 0 to ${BATCH_MAX}, got ${describe(count)}`);
  }
  const addresses = out ?? new Float64Array(count);
  if (!(addresses instanceof Float64Array)) {
    throw new TypeError(`Cannot allocate: out must be a Float64Array, got ${describe(addresses)}`);
  }
  if (addresses.length < count) {
    throw new RangeError(`Cannot allocate: out holds ${addresses.length} addresses, fewer than count ${count}`);
  }
  const status = library().native.offheap_alloc_batch(size, align, count, addresses);
  if (status < 0) allocFailure(size, align, status);
  return addresses;
}

const batchFailure = new Int32Array(1);

function freeMany(addresses: Float64Array): void {
  if (!(addresses instanceof Float64Array)) {
    throw new TypeError(`Cannot free: addresses must be a Float64Array, got ${describe(addresses)}`);
  }
  const freed = library().native.offheap_free_batch(addresses, addresses.length, batchFailure);
  if (freed < 0) throw nativeFailure("free", freed, `${addresses.length} addresses`);
  // This thread's views of freed regions go now (the native free found them pinned, so their pages
  // are already returned; dropping the pins releases the regions).
  detachRegions(addresses, freed);
  if (freed < addresses.length) {
    const subject = `address ${describe(addresses[freed])} at index ${freed} of ${addresses.length}`;
    throw nativeFailure("free", batchFailure[0], subject);
  }
}

/** Flag bits of `offheap_alloc_ex` (zig/src/ffi.zig `Flags`). */
const FLAG_ZERO = 1;
const FLAG_COLLAPSE = 1 << 7;
const HUGE_MODES: readonly HugeMode[] = ["auto", "always", "never"];
const NUMA_POLICIES: readonly NumaPolicy[] = ["local", "interleave", "preferred"];
const ADVICES: readonly Advice[] = ["sequential", "random", "willneed"];
const NUMA_MODES: readonly NumaMode[] = ["default", "preferred", "bind", "interleave", "local"];

function choice<T extends string>(name: string, value: unknown, allowed: readonly T[]): number {
  if (value === undefined) return 0;
  if (typeof value !== "string") {
    throw new TypeError(`Cannot allocate: ${name} must be a string, got ${typeof value} ${describe(value)}`);
  }
  const index = allowed.indexOf(value as T);
  if (index < 0) {
    const list = allowed.map((entry) => JSON.stringify(entry)).join(", ");
    throw new RangeError(`Cannot allocate: ${name} must be one of ${list}, got ${describe(value)}`);
  }
  return index + 1;
}

function flag(name: string, value: unknown, bit: number): number {
  if (value === undefined || value === false) return 0;
  if (value === true) return bit;
  throw new TypeError(`Cannot allocate: ${name} must be a boolean, got ${typeof value} ${describe(value)}`);
}

function checkNode(node: unknown, numa: number): number {
  if (node === undefined) return -1;
  expectNumber("allocate", "node", node);
  if (!Number.isInteger(node) || node < 0 || node > 1023) {
    throw new RangeError(`Cannot allocate: node must be a NUMA node number (0 to 1023), got ${describe(node)}`);
  }
  if (numa === 1 || numa === 2) {
    throw new RangeError(`Cannot allocate: node ${node} cannot be combined with numa ${NUMA_POLICIES[numa - 1]}`);
  }
  return node;
}

/** The flags word and node of `offheap_alloc_ex`; throws for every invalid option. */
function encodeOptions(options: AllocOptions): { flags: number; node: number } {
  const huge = choice("huge", options.huge, HUGE_MODES);
  const numa = choice("numa", options.numa, NUMA_POLICIES);
  const advice = choice("advice", options.advice, ADVICES);
  const node = checkNode(options.node, numa);
  const flags = flag("zero", options.zero, FLAG_ZERO) | flag("collapse", options.collapse, FLAG_COLLAPSE) |
    (huge << 1) | (numa << 3) | (advice << 5);
  return { flags, node };
}

function alloc(size: number, options: AllocOptions = {}): OffheapBuffer {
  expectPositiveInteger("allocate", "size", size);
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot allocate: options must be an object, got ${describe(options)}`);
  }
  const align = checkAlign("allocate", options.align, ALIGN_HUGE_MAX);
  if (options.tag !== undefined && typeof options.tag !== "string") {
    throw new TypeError(`Cannot allocate: tag must be a string, got ${typeof options.tag} ${describe(options.tag)}`);
  }
  const { flags, node } = encodeOptions(options);
  const { native } = library();
  const address = native.offheap_alloc_ex(size, align, flags, node);
  if (address <= 0) {
    const subject = `size ${size}, align ${align}, options ${JSON.stringify(options)}`;
    if (statusName(address) === "INVALID_ALIGNMENT") checkAlign("allocate", options.align);
    throw nativeFailure("allocate", address, subject);
  }
  const tier = native.offheap_tier_of(address);
  return new OffheapBuffer(address, size, TIERS[tier], options.tag);
}

function view(address: number, length: number): Uint8Array {
  expectNumber("view", "address", address);
  expectPositiveInteger("view", "length", length);
  return bytesAt(address, length, "view");
}

function reallocRaw(address: number, size: number): number {
  expectNumber("reallocate", "address", address);
  expectPositiveInteger("reallocate", "size", size);
  const { native } = library();
  const tier = native.offheap_tier_of(address);
  const moved = native.offheap_realloc(address, size);
  if (moved <= 0) throw nativeFailure("reallocate", moved, `address ${address}, size ${size}`);
  // A moved region was freed natively; drop this thread's view (and its pin) so it can be reused.
  if (moved !== address && tier >= 2) detachRegion(address);
  return moved;
}

function usableSize(address: number): number {
  expectNumber("read usable size", "address", address);
  const bytes = library().native.offheap_usable_size(address);
  if (bytes < 0) throw nativeFailure("read usable size", bytes, `address ${address}`);
  return bytes;
}

function tierOf(address: number): Tier {
  expectNumber("read tier", "address", address);
  const tier = library().native.offheap_tier_of(address);
  if (tier < 0) throw nativeFailure("read tier", tier, `address ${address}`);
  return TIERS[tier];
}

function nodeOf(address: number): number {
  expectNumber("read NUMA node", "address", address);
  const node = library().native.offheap_node_of(address);
  if (node < 0) throw nativeFailure("read NUMA node", node, `address ${address}`);
  return node;
}

function policyOf(address: number): NumaMode {
  expectNumber("read NUMA policy", "address", address);
  const mode = library().native.offheap_policy_of(address);
  if (mode < 0) throw nativeFailure("read NUMA policy", mode, `address ${address}`);
  return NUMA_MODES[mode];
}

function backingOf(address: number): Backing {
  expectNumber("read backing", "address", address);
  return backingAt(address, "read backing");
}

function residentBytes(): number {
  const bytes = library().native.offheap_resident_bytes();
  if (bytes < 0) throw nativeFailure("read resident bytes", bytes, "offheap's mappings");
  return bytes;
}

function numaNodes(): number[] {
  const { native } = library();
  let out = new Uint32Array(64);
  let count = native.offheap_numa_nodes(out, out.length);
  if (count > out.length) {
    out = new Uint32Array(count);
    count = native.offheap_numa_nodes(out, out.length);
  }
  return Array.from(out.subarray(0, count));
}

function options(): HeapOptions {
  const out = new Float64Array(16);
  library().native.offheap_config(out, out.length);
  return {
    cacheBudgetBytes: out[0],
    decayMs: out[1],
    hugeThresholdBytes: out[2],
    numa: NUMA_POLICIES[out[3]],
    poison: out[4] !== 0,
    huge: HUGE_MODES[out[5]],
    hugetlbRetryMs: out[6],
  };
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
  currentNode: () => library().native.offheap_current_node(),
  options,
  leaks: leakReport,
};
