/**
 * The allocator's public face: `heap.alloc()` for owned buffers, and `allocRaw` / `freeRaw` /
 * `view` for hot loops that want no object per allocation.
 *
 * @module
 */
import { library } from "./ffi/load.ts";
import { describe, expectNumber, expectPositiveInteger, nativeFailure } from "./errors.ts";
import { freeAddress, leakReport, type LeakRecord, OffheapBuffer } from "./buffer.ts";
import { bytesAt, detachRegion } from "./views.ts";
import { type HeapStats, readStats, type Tier, TIERS } from "./stats.ts";

/** Options of {@linkcode Heap.alloc}. */
export interface AllocOptions {
  /** Alignment in bytes: a power of two from 1 to 4096. Default 16. */
  align?: number;
  /** Return zeroed memory (fresh mappings are not written twice). Default false. */
  zero?: boolean;
  /** A label that appears in leak reports. */
  tag?: string;
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

function checkAlign(action: string, align: unknown): number {
  if (align === undefined) return 0;
  expectNumber(action, "align", align);
  if (!Number.isInteger(align) || align < 1 || align > 4096 || (align & (align - 1)) !== 0) {
    throw new RangeError(`Cannot ${action}: align must be a power of two from 1 to 4096, got ${describe(align)}`);
  }
  return align;
}

function allocRaw(size: number, align = 0): number {
  const address = library().native.offheap_alloc(size, align);
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

function alloc(size: number, options: AllocOptions = {}): OffheapBuffer {
  expectPositiveInteger("allocate", "size", size);
  const align = checkAlign("allocate", options.align);
  const { native } = library();
  const address = options.zero ? native.offheap_alloc_zeroed(size, align) : native.offheap_alloc(size, align);
  if (address <= 0) throw nativeFailure("allocate", address, `size ${size}, align ${align}`);
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
  view,
  reallocRaw,
  usableSize,
  tierOf,
  stats: () => readStats(leakReport().count),
  leaks: leakReport,
};
