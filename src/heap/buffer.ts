/**
 * `OffheapBuffer`: one native allocation with an owner in JavaScript. It exposes zero-copy typed
 * views, frees idempotently (`free()` or `using`), and reports itself as leaked if the GC collects
 * it unfreed. The leak registry only reports: freeing at GC time would pull memory out from under
 * views that outlive the buffer object.
 *
 * Registering with a FinalizationRegistry (and unregistering at free) cost about 80 ns in Deno and
 * 50 in Bun, more than the rest of an alloc+free pair, so buffers are registered in batches: a new
 * buffer waits in a small queue, and the queue is registered at the end of the task that made it
 * (a microtask) or when it holds {@linkcode WATCH_BATCH} buffers. A buffer freed before then is never
 * registered at all. Leak detection is unchanged, only a task later. With stack tracking on
 * (`profile.start({ stacks: true })`) each buffer is registered at once, with its allocation site.
 *
 * @module
 */
import { nativeFailure, OffheapError } from "../errors.ts";
import { nativeFree, nativeFreeOwned } from "../ffi/hot.ts";
import { bytesAt, detachRegion, mappingFor } from "./views.ts";
import type { Tier } from "./stats.ts";
import { type BufferDescriptor, checkDescriptor } from "./share.ts";
import { type Backing, backingAt } from "./queries.ts";
import { profiling } from "../profile/state.ts";
import { captureSite } from "../profile/sites.ts";
import { liveTracked } from "../profile/live.ts";
import { tagId } from "../profile/tags.ts";

/** A buffer that was garbage-collected without being freed (or, in `profile.leaks()`, one still live). */
export interface LeakRecord {
  /** Address of the leaked block (still allocated). */
  address: number;
  /** Requested size in bytes. */
  byteLength: number;
  /** The `tag` given at allocation, if any. */
  tag?: string;
  /**
   * When the buffer was allocated, in ms since the epoch (without stack tracking: the end of the
   * task that allocated it, when its leak watch began).
   */
  allocatedAt: number;
  /** With stack tracking on: the caller's `file:line:column` that allocated it. */
  site?: string;
  /** With stack tracking on: the caller's frames, innermost first. */
  stack?: string;
}

const LEAK_RECORDS_MAX = 1000;
const leakRecords: LeakRecord[] = [];
let leakedTotal = 0;
const leakRegistry = new FinalizationRegistry<LeakRecord>((record) => {
  leakedTotal += 1;
  if (record.site !== undefined) liveTracked.delete(record.address);
  if (leakRecords.length < LEAK_RECORDS_MAX) leakRecords.push(record);
});

/** Buffers leaked so far in this JS thread, and up to the first 1000 of them. */
export function leakReport(): { count: number; records: LeakRecord[] } {
  return { count: leakedTotal, records: leakRecords.slice() };
}

/** Buffers that wait to be registered with the leak registry, at most this many at once. */
export const WATCH_BATCH = 64;
const unwatched: (OffheapBuffer | undefined)[] = new Array(WATCH_BATCH).fill(undefined);
let unwatchedCount = 0;
let flushQueued = false;
/** Registers the waiting buffers that are still unfreed (set by the class's static block). */
let flushUnwatched: () => void = () => {};
const flushTask = () => {
  flushQueued = false;
  flushUnwatched();
};

/** The tag id the next constructed buffer counts under (set by {@linkcode ownedBuffer} only). */
let constructingTagId = 0;

/**
 * A buffer over an allocation `heap.alloc()` made with `offheap_alloc_owned`: its size is counted
 * under tag `id`, and leaves the count when the buffer is freed.
 */
export function ownedBuffer(
  address: number,
  byteLength: number,
  tier: Tier,
  tag: string | undefined,
  id: number,
): OffheapBuffer {
  constructingTagId = id;
  return new OffheapBuffer(address, byteLength, tier, tag);
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
 * Frees an allocation of `offheap_alloc_owned` (a buffer's, an Arena chunk's): its `byteLength`
 * leaves the counters of tag `id` (0: counted under none). The region's view is detached first, as
 * {@linkcode freeAddress} does.
 */
export function freeOwned(address: number, byteLength: number, id: number, action: string): void {
  detachRegion(address);
  const tier = id === 0 ? nativeFree(address) : nativeFreeOwned(address, byteLength, id);
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
  /** The tag id its bytes are counted under (0: not counted, e.g. wrapped by the constructor). */
  #tagId: number;
  #freed = false;
  /** Whether it is registered with the leak registry (it may instead still wait in the queue). */
  #watched = false;

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
    this.#tagId = constructingTagId;
    constructingTagId = 0;
    if (profiling.stacks) {
      const { site, stack } = captureSite();
      const record: LeakRecord = { address, byteLength, tag, allocatedAt: Date.now(), site, stack };
      liveTracked.set(address, record);
      this.#watch(record);
      return;
    }
    unwatched[unwatchedCount++] = this;
    if (unwatchedCount === WATCH_BATCH) flushUnwatched();
    else if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flushTask);
    }
  }

  static {
    flushUnwatched = () => {
      const now = Date.now();
      for (let index = 0; index < unwatchedCount; index++) {
        const buffer = unwatched[index]!;
        unwatched[index] = undefined;
        if (buffer.#freed) continue;
        buffer.#watch({ address: buffer.#address, byteLength: buffer.#byteLength, tag: buffer.#tag, allocatedAt: now });
      }
      unwatchedCount = 0;
    };
  }

  #watch(record: LeakRecord): void {
    this.#watched = true;
    leakRegistry.register(this, record, this);
  }

  /** Ends the leak watch and the live tracking: the buffer was freed or given away. */
  #unwatch(): void {
    if (!this.#watched) return;
    this.#watched = false;
    leakRegistry.unregister(this);
    liveTracked.delete(this.#address);
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
    return new Kind(
      mapping.buffer,
      this.#address - mapping.base,
      Math.floor(this.#byteLength / Kind.BYTES_PER_ELEMENT),
    );
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
    this.#unwatch();
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
    // A tagged buffer's bytes still count under its tag (the sender's transfer did not remove them).
    const id = tagId("open descriptor", descriptor.tag);
    return ownedBuffer(descriptor.address, descriptor.byteLength, tier, descriptor.tag, id);
  }

  /** Frees the memory. Calling it again does nothing. Views taken earlier must not be used after. */
  free(): void {
    if (this.#freed) return;
    freeOwned(this.#address, this.#byteLength, this.#tagId, "free buffer");
    this.#freed = true;
    if (this.#watched) this.#unwatch();
  }

  /** Frees the memory at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.free();
  }
}
