/**
 * `OffheapBuffer`: one native allocation with an owner in JavaScript. It exposes zero-copy typed
 * views, frees idempotently (`free()` or `using`), and reports itself as leaked if the GC collects
 * it unfreed. The leak registry only reports: freeing at GC time would pull memory out from under
 * views that outlive the buffer object.
 *
 * @module
 */
import { nativeFailure, OffheapError } from "../errors.ts";
import { nativeFree } from "../ffi/hot.ts";
import { bytesAt, detachRegion, mappingFor } from "./views.ts";
import type { Tier } from "./stats.ts";
import { type BufferDescriptor, checkDescriptor } from "./share.ts";
import { type Backing, backingAt } from "./queries.ts";

/** A buffer that was garbage-collected without being freed. */
export interface LeakRecord {
  /** Address of the leaked block (still allocated). */
  address: number;
  /** Requested size in bytes. */
  byteLength: number;
  /** The `tag` given at allocation, if any. */
  tag?: string;
}

const LEAK_RECORDS_MAX = 1000;
const leakRecords: LeakRecord[] = [];
let leakedTotal = 0;
const leakRegistry = new FinalizationRegistry<LeakRecord>((record) => {
  leakedTotal += 1;
  if (leakRecords.length < LEAK_RECORDS_MAX) leakRecords.push(record);
});

/** Buffers leaked so far in this JS thread, and up to the first 1000 of them. */
export function leakReport(): { count: number; records: LeakRecord[] } {
  return { count: leakedTotal, records: leakRecords.slice() };
}

/**
 * Frees `address` natively. This thread's cached view of a region is detached and unpinned first,
 * so the region goes straight back to the cache; other Workers' views keep it mapped until dropped.
 * The hot path of `freeRaw`: the status is checked inline, so the error's subject is only formatted
 * on failure (not through `unwrap`, which takes it ready-made).
 */
export function freeAddress(address: number, action: string): void {
  detachRegion(address);
  const tier = nativeFree(address);
  if (tier < 0) throw nativeFailure(action, tier, `address ${address}`);
}

/**
 * One off-heap allocation, made by `heap.alloc()`. The memory belongs to this object until
 * `free()`: views from `bytes()`, `f32()` and friends share it without copying and must not be used
 * after `free()`.
 *
 * @example Allocate, view, free
 * ```ts
 * import { heap } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using buf = heap.alloc(4096, { align: 64 });
 * const floats = buf.f32();
 * floats[0] = 1.5;
 * assert.equal(buf.f32()[0], 1.5);
 * assert.equal(buf.address % 64, 0);
 * ```
 */
export class OffheapBuffer {
  #address: number;
  #byteLength: number;
  #tier: Tier;
  #tag: string | undefined;
  #freed = false;

  /**
   * Wraps an allocation the caller owns. Prefer `heap.alloc()`, which allocates and wraps.
   *
   * @param address Start of the allocation.
   * @param byteLength Requested size in bytes.
   * @param tier The tier it came from.
   * @param tag An optional label that appears in leak reports.
   */
  constructor(address: number, byteLength: number, tier: Tier, tag?: string) {
    this.#address = address;
    this.#byteLength = byteLength;
    this.#tier = tier;
    this.#tag = tag;
    leakRegistry.register(this, { address, byteLength, tag }, this);
  }

  /** Start address of the memory (a plain number, valid for other native code). */
  get address(): number {
    return this.#address;
  }

  /** Requested size in bytes. */
  get byteLength(): number {
    return this.#byteLength;
  }

  /** The tier that served the allocation. */
  get tier(): Tier {
    return this.#tier;
  }

  /**
   * What backs the pages: `"4k"`, `"thp"`, `"hugetlb-2m"` or `"hugetlb-1g"` (see `huge` in
   * `heap.alloc()` options).
   */
  get backing(): Backing {
    this.#live("read backing");
    return backingAt(this.#address, "read backing");
  }

  /** The label given at allocation. */
  get tag(): string | undefined {
    return this.#tag;
  }

  /** Whether `free()` has been called. */
  get freed(): boolean {
    return this.#freed;
  }

  #live(action: string): void {
    if (this.#freed) {
      throw new OffheapError("USE_AFTER_FREE", `Cannot ${action}: the buffer at ${this.#address} was already freed`);
    }
  }

  /** The memory as bytes. */
  bytes(): Uint8Array {
    this.#live("view buffer");
    return bytesAt(this.#address, this.#byteLength, "view buffer");
  }

  /** The memory as 32-bit floats (the byte length rounded down to a multiple of 4). */
  f32(): Float32Array {
    return this.#typed(Float32Array);
  }

  /** The memory as 64-bit floats (the byte length rounded down to a multiple of 8). */
  f64(): Float64Array {
    return this.#typed(Float64Array);
  }

  /** The memory as signed 32-bit integers. */
  i32(): Int32Array {
    return this.#typed(Int32Array);
  }

  /** The memory as unsigned 32-bit integers. */
  u32(): Uint32Array {
    return this.#typed(Uint32Array);
  }

  /** The memory as unsigned 16-bit integers (also the storage of f16 vectors). */
  u16(): Uint16Array {
    return this.#typed(Uint16Array);
  }

  /** The memory as signed bytes (the storage of i8 vectors). */
  i8(): Int8Array {
    return this.#typed(Int8Array);
  }

  #typed<T>(Kind: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number }): T {
    this.#live("view buffer");
    const mapping = mappingFor(this.#address, this.#byteLength, "view buffer");
    return new Kind(mapping.buffer, this.#address - mapping.base, Math.floor(this.#byteLength / Kind.BYTES_PER_ELEMENT));
  }

  /**
   * Lends the buffer: a plain descriptor another Worker can view with `heap.view(d.address,
   * d.byteLength)`. This buffer still owns the memory; keep it alive until every receiver is done.
   *
   * @returns The descriptor.
   * @throws {OffheapError} `USE_AFTER_FREE` if the buffer was freed or transferred.
   *
   * @example
   * ```ts
   * import { heap } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using buf = heap.alloc(8);
   * buf.bytes()[0] = 9;
   * const { address, byteLength } = buf.share();
   * assert.equal(heap.view(address, byteLength)[0], 9);
   * ```
   */
  share(): BufferDescriptor {
    this.#live("share buffer");
    const descriptor = { address: this.#address, byteLength: this.#byteLength, tier: this.#tier };
    return this.#tag === undefined ? descriptor : { ...descriptor, tag: this.#tag };
  }

  /**
   * Gives the buffer away: returns its descriptor and lets go of the memory without freeing it.
   * Whoever calls {@linkcode OffheapBuffer.from} with the descriptor (in any Worker) owns it and
   * must free it. This object then behaves as freed: `free()` does nothing, views throw.
   *
   * @returns The descriptor, to post to the new owner.
   * @throws {OffheapError} `USE_AFTER_FREE` if the buffer was already freed or transferred.
   *
   * @example
   * ```ts
   * import { heap, OffheapBuffer } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const descriptor = heap.alloc(64).transfer();
   * using received = OffheapBuffer.from(descriptor); // normally in another Worker
   * assert.equal(received.byteLength, 64);
   * ```
   */
  transfer(): BufferDescriptor {
    const descriptor = this.share();
    this.#freed = true;
    leakRegistry.unregister(this);
    return descriptor;
  }

  /**
   * Takes ownership of a transferred buffer (see {@linkcode OffheapBuffer.transfer}). The caller
   * owns the result and must free it, from this Worker or any other.
   *
   * @param descriptor A descriptor from `transfer()`, possibly made in another Worker.
   * @returns An owning buffer over the same memory (no copy).
   * @throws {TypeError} If the descriptor is malformed.
   * @throws {OffheapError} `NOT_OWNED`, `INTERIOR_POINTER` or `DOUBLE_FREE` if it names no live block.
   *
   * @example
   * ```ts
   * import { heap, OffheapBuffer } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const original = heap.alloc(16);
   * original.bytes()[3] = 7;
   * using owned = OffheapBuffer.from(original.transfer());
   * assert.equal(owned.bytes()[3], 7);
   * ```
   */
  static from(descriptor: BufferDescriptor): OffheapBuffer {
    const tier = checkDescriptor(descriptor, "open descriptor");
    return new OffheapBuffer(descriptor.address, descriptor.byteLength, tier, descriptor.tag);
  }

  /** Frees the memory. Calling it again does nothing. Views taken earlier must not be used after. */
  free(): void {
    if (this.#freed) return;
    freeAddress(this.#address, "free buffer");
    this.#freed = true;
    leakRegistry.unregister(this);
  }

  /** Frees the memory at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.free();
  }
}
