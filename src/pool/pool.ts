/**
 * `Pool`: fixed-size blocks carved from one large off-heap range, allocated and freed in JavaScript.
 *
 * The library (zig/src/pool/) reserves the range for `maxBlocks` blocks at creation, so a block's
 * index is `(address - base) / slot`. Its state byte (uncarved, free, held, live) sits in native
 * memory that this object views in place. Each `Pool` object (one per Worker) keeps a small stack
 * of free block indices in a `Uint32Array`: `alloc()` pops one and marks it live, `free(address)`
 * checks the address's range, its offset and its state byte, then pushes it. Only when the stack
 * is empty (or full) does one FFI call move a batch between it and the pool's shared free stack.
 *
 * `free(address)` flips the state byte live -> held with `Atomics.compareExchange`, so two Workers
 * freeing one block at once cannot both succeed: the second gets `DOUBLE_FREE`.
 *
 * @module
 */
import { describe, nativeFailure, OffheapError, unwrap } from "../errors.ts";
import { decodeFields, layout } from "../ffi/layout.ts";
import { detachRegion, mappingFor } from "../heap/views.ts";
import { bindPool, poolDrain, poolRefill } from "./native.ts";
import { tagId, type TrackedMemory, trackMemory } from "../profile/tags.ts";
import { POOL_PRESETS, type PoolOptions, type PoolPreset, type PoolPresetName, poolShape } from "./options.ts";

/** Block states, as zig/src/pool/pool.zig numbers them. */
const UNCARVED = 0;
const HELD = 2;
const LIVE = 3;
/** `offheap_pool_create`/`open` info fields, in zig/src/abi/pool.zig `Info` order. */
const INFO = { slot: 0, blocksBase: 1, slotBytes: 2, maxBlocks: 3, metaBase: 4, metaBytes: 5, statesOffset: 6, countersOffset: 7, rangeBytes: 8 };
const INFO_CAPACITY = 16;
/** A batch moves at most this many blocks, and about 1 MiB of them. */
const BATCH_MAX = 64;
const BATCH_BYTES = 1024 * 1024;
const OUT_OF_MEMORY = -1;

/** The handle `Pool.open` passes to the constructor (0: create a new pool). */
let opening = 0;
let openingInfo: Float64Array | undefined;

/**
 * A pool as plain data, safe to `postMessage`.
 *
 * @example Open a pool in the same thread (a Worker does the same with a posted descriptor)
 * ```ts
 * import { Pool, type PoolDescriptor } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using pool = new Pool({ blockSize: 64 });
 * const descriptor: PoolDescriptor = pool.share();
 * using other = Pool.open(descriptor);
 * other.free(pool.alloc());
 * assert.equal(pool.stats().blocksLive, 0);
 * ```
 */
export interface PoolDescriptor {
  /** Always `"offheap.pool"`. */
  readonly kind: "offheap.pool";
  /** The library's handle of the pool. */
  readonly handle: number;
}

/** A snapshot of a pool's counters, over every Worker that has it open. */
export interface PoolStats {
  /** Blocks allocated and not freed (other Workers' counts as of their last `alloc` or `free`). */
  blocksLive: number;
  /** Blocks carved now (live, free, or held in a Worker's stack). */
  capacity: number;
  /** The most blocks the pool may hold. */
  maxBlocks: number;
  /** Bytes of a block, as asked. */
  blockSize: number;
  /** Bytes between block starts: `blockSize` rounded up to the alignment. */
  slotSize: number;
  /** `alloc()` calls, over the pool's life. */
  allocs: number;
  /** Successful `free(address)` calls, and blocks `reset()` dropped. */
  frees: number;
  /** Times the pool grew (by doubling). */
  grows: number;
  /** Chunks carved now (the initial capacity is chunk 0). */
  chunks: number;
  /** Chunks given back to the OS after the decay (or by `trim()`). */
  chunksReleased: number;
  /** Bytes of the carved blocks (`capacity × slotSize`). */
  mappedBytes: number;
  /** Bytes of address space reserved for `maxBlocks` blocks (not memory until carved and touched). */
  reservedBytes: number;
  /** Free blocks on the shared stack (not held by any Worker). */
  freeShared: number;
  /** `Pool` objects open on it (one per Worker that created or opened it). */
  handles: number;
  /** Allocations served without waiting for the pool to grow: `(allocs − grows) / allocs` (1 before any). */
  hitRate: number;
  /** Live bytes over mapped bytes: `blocksLive × blockSize / mappedBytes`. */
  efficiency: number;
  /** The share of each slot that alignment wastes: `(slotSize − blockSize) / slotSize`. */
  internalFragmentation: number;
  /** Bytes that alignment wastes in live blocks: `blocksLive × (slotSize − blockSize)`. */
  internalFragmentationBytes: number;
}

/**
 * One block of a pool as an owned object (`pool.allocBuffer()`): views, and `free()` or `using`
 * that returns the block to its pool.
 *
 * @example
 * ```ts
 * import { Pool } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using pool = new Pool({ blockSize: 16, align: 16 });
 * {
 *   using block = pool.allocBuffer();
 *   block.f32()[3] = 2.5;
 *   assert.equal(block.bytes().length, 16);
 * }
 * assert.equal(pool.stats().blocksLive, 0);
 * ```
 */
export class PoolBlock {
  #pool: Pool;
  #address: number;
  #freed = false;

  /**
   * Wraps a block `pool` allocated; prefer {@linkcode Pool.allocBuffer}.
   *
   * @param pool The pool the block belongs to.
   * @param address The block's address.
   */
  constructor(pool: Pool, address: number) {
    this.#pool = pool;
    this.#address = address;
  }

  /** The block's address. */
  get address(): number {
    return this.#address;
  }

  /** The pool's block size. */
  get byteLength(): number {
    return this.#pool.blockSize;
  }

  /** Whether `free()` has been called. */
  get freed(): boolean {
    return this.#freed;
  }

  #live(): void {
    if (this.#freed) {
      throw new OffheapError("USE_AFTER_FREE", `Cannot view pool block: the block at ${this.#address} was already freed`);
    }
  }

  /** The block as bytes. */
  bytes(): Uint8Array {
    this.#live();
    return this.#pool.view(this.#address);
  }

  /** The block as 32-bit floats (its size rounded down to a multiple of 4). */
  f32(): Float32Array {
    const bytes = this.bytes();
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  }

  /** The block as 64-bit floats (its size rounded down to a multiple of 8). */
  f64(): Float64Array {
    const bytes = this.bytes();
    return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 3);
  }

  /** Returns the block to its pool. Idempotent. */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#pool.free(this.#address);
  }

  /** Calls `free()`, for `using`. */
  [Symbol.dispose](): void {
    this.free();
  }
}

function batchOf(slotBytes: number): number {
  return Math.max(1, Math.min(BATCH_MAX, Math.floor(BATCH_BYTES / slotBytes)));
}

const EMPTY_STATES = new Uint8Array(0);

/**
 * A pool of fixed-size off-heap blocks: `alloc()` and `free(address)` cost a few nanoseconds and
 * cross no FFI in the common case, and still refuse a double, foreign or interior free.
 *
 * @example Allocate, view, free
 * ```ts
 * import { Pool } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using pool = new Pool({ blockSize: 3072, align: 64 });
 * const a = pool.alloc();
 * assert.equal(a % 64, 0);
 * pool.view(a).fill(7);
 * pool.free(a);
 * assert.throws(() => pool.free(a), { code: "DOUBLE_FREE" });
 * ```
 */
export class Pool {
  /** Options for common block sizes: `new Pool(Pool.presets.vectorSmall)`; every one 64-byte aligned. */
  static readonly presets: Readonly<Record<PoolPresetName, PoolPreset>> = POOL_PRESETS;

  #handle: number;
  #slot: number;
  #base: number;
  #slotBytes: number;
  /** `1 / slotBytes`: `free` multiplies by it (a division costs about 10 more cycles of latency). */
  #slotInverse: number;
  #blockSize = 0;
  /** Blocks whose state bytes are viewed: maxBlocks, or 0 once freed (so every free fails fast). */
  #limit: number;
  #states: Uint8Array;
  /** [allocs, frees] of this object, in native memory (the pool's stats sum every Worker's). */
  #counters: Float64Array;
  #stack: Uint32Array;
  #top = 0;
  /**
   * Whether another handle may free this pool's blocks from another thread: set by `share()` and
   * on every handle `Pool.open` makes. Until then no other thread can reach the pool, so `free`
   * flips a block's state with a plain read and write (about 1 ns) instead of
   * `Atomics.compareExchange` (about 9 ns in Deno, 5 in Bun), which two Workers freeing the same
   * block at once need so that exactly one of them succeeds.
   */
  #shared = false;
  #batch: number;
  #blocks: ArrayBuffer;
  #blocksOffset: number;
  #meta: ArrayBuffer;
  #metaBase: number;
  /** The pool's mapped bytes under its `tag` (the creating handle counts them; opened ones do not). */
  #memory: TrackedMemory | undefined;

  /**
   * Creates a pool and carves its initial capacity.
   *
   * @param options The block size, alignment, capacity, growth limit, hugepages and NUMA node.
   * @throws {TypeError} If `options` or one of them has the wrong type.
   * @throws {RangeError} If `blockSize` is 0 or above 2^31, `align` is not a power of two up to
   * 4096, `capacity` is above `maxBlocks`, `huge` is unknown or `node` is not a node of this machine.
   * @throws {OffheapError} With code `OUT_OF_MEMORY` when the system has no memory left.
   */
  constructor(options: PoolOptions) {
    const native = bindPool();
    const info = openingInfo ?? new Float64Array(INFO_CAPACITY);
    if (opening !== 0) {
      this.#handle = opening;
      this.#shared = true;
      opening = 0;
      openingInfo = undefined;
    } else {
      const shape = poolShape(options);
      const tag = tagId("create Pool", options.tag);
      const created = native.offheap_pool_create(
        shape.blockSize,
        shape.align,
        shape.capacity,
        shape.maxBlocks,
        shape.flags,
        shape.node,
        shape.decayMs,
        info,
      );
      this.#handle = unwrap(created, "create Pool", `blockSize ${shape.blockSize}, maxBlocks ${shape.maxBlocks}`);
      this.#blockSize = shape.blockSize;
      this.#memory = trackMemory(tag, () => this.stats().mappedBytes);
    }
    this.#slot = info[INFO.slot];
    this.#base = info[INFO.blocksBase];
    this.#slotBytes = info[INFO.slotBytes];
    this.#slotInverse = 1 / this.#slotBytes;
    this.#limit = info[INFO.maxBlocks];
    const blocks = mappingFor(this.#base, info[INFO.rangeBytes], "create Pool");
    this.#blocks = blocks.buffer;
    this.#blocksOffset = this.#base - blocks.base;
    const metaBase = this.#metaBase = info[INFO.metaBase];
    const meta = mappingFor(metaBase, info[INFO.metaBytes], "create Pool");
    this.#meta = meta.buffer;
    const metaOffset = metaBase - meta.base;
    this.#states = new Uint8Array(meta.buffer, metaOffset + info[INFO.statesOffset], this.#limit);
    this.#counters = new Float64Array(meta.buffer, metaOffset + info[INFO.countersOffset] + this.#slot * 16, 2);
    this.#batch = batchOf(this.#slotBytes);
    this.#stack = new Uint32Array(this.#batch * 2);
    if (this.#blockSize === 0) this.#blockSize = this.stats().blockSize;
  }

  /**
   * Opens a pool another Worker (or this one) shared with {@linkcode Pool.share}. The returned object
   * holds its own reference and its own stack of free blocks: free it when done; the pool's memory
   * goes when the last holder frees.
   *
   * @param descriptor What `share()` returned.
   * @returns A handle on the same pool.
   * @throws {TypeError} If `descriptor` is malformed.
   * @throws {OffheapError} With code `NOT_OWNED` if the pool no longer exists.
   *
   * @example
   * ```ts
   * import { Pool } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const pool = new Pool({ blockSize: 256 });
   * const other = Pool.open(pool.share()); // in a Worker: Pool.open(event.data)
   * const block = other.alloc();
   * pool.free(block);                      // any holder may free any block
   * pool.free();
   * other.free();
   * assert.equal(other.freed, true);
   * ```
   */
  static open(descriptor: PoolDescriptor): Pool {
    const shape = descriptor as unknown as Record<string, unknown> | null;
    if (shape === null || typeof shape !== "object" || shape.kind !== "offheap.pool") {
      throw new TypeError(`Cannot open Pool: descriptor must come from pool.share() (kind "offheap.pool")`);
    }
    const handle = shape.handle;
    if (typeof handle !== "number" || !Number.isInteger(handle) || handle <= 0 || handle > 0xffffffff) {
      throw new TypeError(`Cannot open Pool: descriptor.handle must be a positive u32, got ${describe(handle)}`);
    }
    const info = new Float64Array(INFO_CAPACITY);
    const status = bindPool().offheap_pool_open(handle, info);
    if (status < 0) throw nativeFailure("open Pool", status, `handle ${handle}`);
    opening = handle;
    openingInfo = info;
    return new Pool(undefined as unknown as PoolOptions);
  }

  /** Bytes of a block. */
  get blockSize(): number {
    return this.#blockSize;
  }

  /** Bytes between block starts (`blockSize` rounded up to the alignment). */
  get slotSize(): number {
    return this.#slotBytes;
  }

  /** Whether `free()` (of the pool) has been called on this object. */
  get freed(): boolean {
    return this.#handle === 0;
  }

  /**
   * Allocates a block and returns its address (a plain number that other native code can use).
   * Its contents are whatever the block last held (zeros when fresh).
   *
   * @returns The block's address, aligned as the pool's `align`.
   * @throws {OffheapError} With code `OUT_OF_MEMORY` when the pool holds `maxBlocks` live blocks
   * (or its capacity, if it may not grow), `USE_AFTER_FREE` after `free()`.
   *
   * @example
   * ```ts
   * import { Pool } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using pool = new Pool({ blockSize: 100, align: 64 });
   * const [a, b] = [pool.alloc(), pool.alloc()];
   * assert.equal(Math.abs(a - b) >= 128, true);
   * ```
   */
  alloc(): number {
    let top = this.#top;
    if (top === 0) top = this.#refill();
    top -= 1;
    const index = this.#stack[top];
    this.#top = top;
    const states = this.#states;
    if (states[index] !== HELD) return this.#allocStale();
    states[index] = LIVE;
    this.#counters[0]++;
    return this.#base + index * this.#slotBytes;
  }

  /** Fills the empty stack with one FFI call; returns the new top. */
  #refill(): number {
    const handle = this.#live("allocate from Pool");
    const count = poolRefill(handle, this.#stack, this.#batch);
    if (count === OUT_OF_MEMORY) {
      throw new OffheapError(
        "OUT_OF_MEMORY",
        `Cannot allocate from Pool: it is full (${this.stats().capacity} blocks carved, maxBlocks ${this.#limit})`,
        count,
      );
    }
    this.#top = unwrap(count, "allocate from Pool", `handle ${handle}`);
    return this.#top;
  }

  /** Another Worker's `reset()` made the stack's blocks free again: drop the stack and refill. */
  #allocStale(): number {
    this.#top = 0;
    return this.alloc();
  }

  /**
   * With an address: returns that block to the pool. Without one: frees the pool (for this Worker;
   * its memory goes when every holder has freed it). Both are checked before anything changes.
   *
   * @param address A block's address from {@linkcode Pool.alloc} (of this pool, in any Worker).
   * @throws {TypeError} If `address` is given but not a number.
   * @throws {OffheapError} `NOT_OWNED` if the address is not a block of this pool,
   * `INTERIOR_POINTER` if it points inside a block, `DOUBLE_FREE` if the block is not live,
   * `USE_AFTER_FREE` if the pool was freed.
   *
   * @example
   * ```ts
   * import { Pool } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const pool = new Pool({ blockSize: 64 });
   * const a = pool.alloc();
   * assert.throws(() => pool.free(a + 8), { code: "INTERIOR_POINTER" });
   * pool.free(a);
   * pool.free();   // the pool itself
   * assert.throws(() => pool.alloc(), { code: "USE_AFTER_FREE" });
   * ```
   */
  free(address?: number): void {
    // The nearest block index, then an exact check that the address is that block's start: the
    // product is within 2^-22 of the true quotient, and `index * slot` is exact below 2^53. A NaN,
    // negative, interior or out-of-range address fails one of the two tests.
    const offset = (address as number) - this.#base;
    const index = (offset * this.#slotInverse + 0.5) | 0;
    if (index * this.#slotBytes !== offset || index >>> 0 >= this.#limit) return this.#freeSlow(address, arguments.length);
    const states = this.#states;
    if (this.#shared) {
      const old = Atomics.compareExchange(states, index, LIVE, HELD);
      if (old !== LIVE) throw this.#freeFailure(address as number, old);
    } else {
      const old = states[index];
      if (old !== LIVE) throw this.#freeFailure(address as number, old);
      states[index] = HELD;
    }
    let top = this.#top;
    if (top === this.#stack.length) top = this.#drain();
    this.#stack[top] = index;
    this.#top = top + 1;
    this.#counters[1]++;
  }

  #freeSlow(address: number | undefined, argumentCount: number): void {
    if (address === undefined && argumentCount === 0) return this.#close();
    if (typeof address !== "number") {
      throw new TypeError(`Cannot free pool block: address must be a number, got ${typeof address} ${describe(address)}`);
    }
    this.#live("free pool block");
    const position = (address - this.#base) / this.#slotBytes;
    if (position >= 0 && position < this.#limit) {
      throw new OffheapError("INTERIOR_POINTER", `Cannot free pool block: address ${address} points inside a block`, -5);
    }
    throw new OffheapError("NOT_OWNED", `Cannot free pool block: address ${address} is not a block of this pool`, -4);
  }

  #freeFailure(address: number, state: number): OffheapError {
    if (state === UNCARVED) {
      return new OffheapError("NOT_OWNED", `Cannot free pool block: address ${address} is not a block of this pool now`, -4);
    }
    return new OffheapError("DOUBLE_FREE", `Cannot free pool block: the block at ${address} is not allocated`, -6);
  }

  /** Moves the bottom half of the full stack to the shared free stack; returns the new top. */
  #drain(): number {
    const batch = this.#batch;
    unwrap(poolDrain(this.#handle, this.#stack, batch), "free pool block", `handle ${this.#handle}`);
    this.#stack.copyWithin(0, batch, this.#top);
    this.#top -= batch;
    return this.#top;
  }

  /**
   * Allocates a block wrapped in an owned {@linkcode PoolBlock} (for `using`); costs an object per
   * block, so hot loops use `alloc()`.
   *
   * @returns The block.
   *
   * @example
   * ```ts
   * import { Pool } from "@offheap/offheap";
   * using pool = new Pool(Pool.presets.metadata);
   * using block = pool.allocBuffer();
   * block.bytes().fill(1);
   * ```
   */
  allocBuffer(): PoolBlock {
    return new PoolBlock(this, this.alloc());
  }

  /**
   * A `Uint8Array` over the block at `address` (its `blockSize` bytes), without copying. It stays
   * readable after the block is freed (it then sees whatever the block holds next).
   *
   * @param address A block's address.
   * @returns The view.
   * @throws {OffheapError} `NOT_OWNED` or `INTERIOR_POINTER` as `free(address)` would.
   *
   * @example
   * ```ts
   * import { Pool } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using pool = new Pool({ blockSize: 8 });
   * const a = pool.alloc();
   * pool.view(a)[7] = 42;
   * assert.equal(pool.view(a)[7], 42);
   * ```
   */
  view(address: number): Uint8Array {
    const position = (address - this.#base) / this.#slotBytes;
    const index = position | 0;
    if (index !== position || index >>> 0 >= this.#limit || this.#states[index] === UNCARVED) {
      this.#freeSlow(address, 1);
    }
    return new Uint8Array(this.#blocks, this.#blocksOffset + index * this.#slotBytes, this.#blockSize);
  }

  /**
   * Frees every block at once (live ones included): the pool is as if new, with the capacity it
   * has. Addresses allocated before are then free blocks (a `free` of one is `DOUBLE_FREE`). Other
   * Workers must not allocate from the pool meanwhile; their held blocks are dropped at their next
   * `alloc()`.
   *
   * @example
   * ```ts
   * import { Pool } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using pool = new Pool({ blockSize: 32 });
   * pool.alloc(); pool.alloc();
   * pool.reset();
   * assert.equal(pool.stats().blocksLive, 0);
   * ```
   */
  reset(): void {
    const handle = this.#live("reset Pool");
    unwrap(bindPool().offheap_pool_reset(handle), "reset Pool", `handle ${handle}`);
    this.#top = 0;
  }

  /**
   * Gives back now every grown chunk whose blocks are all free (the pool does it by itself after
   * `decayMs`), after returning this object's held blocks. The initial capacity stays.
   *
   * @returns Bytes given back to the OS.
   *
   * @example
   * ```ts
   * import { Pool } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using pool = new Pool({ blockSize: 4096, capacity: 1 });
   * const blocks = Array.from({ length: 100 }, () => pool.alloc());
   * for (const b of blocks) pool.free(b);
   * assert.ok(pool.trim() > 0);
   * assert.equal(pool.stats().capacity, 1);
   * ```
   */
  trim(): number {
    const handle = this.#live("trim Pool");
    this.#drainAll(handle);
    return unwrap(bindPool().offheap_pool_trim(handle), "trim Pool", `handle ${handle}`);
  }

  #drainAll(handle: number): void {
    if (this.#top === 0) return;
    unwrap(poolDrain(handle, this.#stack, this.#top), "free pool block", `handle ${handle}`);
    this.#top = 0;
  }

  /**
   * The pool's counters, summed over every Worker that has it open.
   *
   * @returns The snapshot, with hit rate, efficiency and internal fragmentation derived.
   *
   * @example
   * ```ts
   * import { Pool } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using pool = new Pool({ blockSize: 1000, align: 64, capacity: 2 });
   * pool.alloc(); pool.alloc(); pool.alloc(); // the third grows the pool
   * const stats = pool.stats();
   * assert.equal(stats.blocksLive, 3);
   * assert.equal(stats.capacity, 4);
   * assert.equal(stats.grows, 1);
   * assert.equal(stats.slotSize, 1024);
   * ```
   */
  stats(): PoolStats {
    const handle = this.#live("read Pool stats");
    const names = layout("poolStats");
    const values = new Float64Array(names.length);
    unwrap(bindPool().offheap_pool_stats(handle, values, values.length), "read Pool stats", `handle ${handle}`);
    const stats = decodeFields(names, values) as unknown as PoolStats;
    stats.hitRate = stats.allocs === 0 ? 1 : Math.max(0, stats.allocs - stats.grows) / stats.allocs;
    stats.efficiency = stats.mappedBytes === 0 ? 0 : (stats.blocksLive * stats.blockSize) / stats.mappedBytes;
    stats.internalFragmentation = (stats.slotSize - stats.blockSize) / stats.slotSize;
    stats.internalFragmentationBytes = stats.blocksLive * (stats.slotSize - stats.blockSize);
    return stats;
  }

  /**
   * A descriptor another Worker passes to {@linkcode Pool.open}. This object keeps its own reference.
   *
   * @returns The descriptor, to `postMessage`.
   *
   * @example
   * ```ts
   * import { Pool } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using pool = new Pool({ blockSize: 64 });
   * assert.equal(pool.share().kind, "offheap.pool");
   * ```
   */
  share(): PoolDescriptor {
    const handle = this.#live("share Pool");
    // From now on another thread may free this pool's blocks: frees compare-and-swap their state.
    this.#shared = true;
    return { kind: "offheap.pool", handle };
  }

  #live(action: string): number {
    const handle = this.#handle;
    if (handle === 0) throw new OffheapError("USE_AFTER_FREE", `Cannot ${action}: the pool was already freed`);
    return handle;
  }

  #close(): void {
    const handle = this.#handle;
    if (handle === 0) return;
    this.#drainAll(handle);
    this.#memory?.release();
    const last = this.stats().handles === 1;
    this.#handle = 0;
    this.#limit = 0;
    this.#states = EMPTY_STATES;
    this.#counters = new Float64Array(2);
    unwrap(bindPool().offheap_pool_close(handle, this.#slot), "free Pool", `handle ${handle}`);
    // Views of this thread go with the pool's memory; other Workers still hold it otherwise.
    if (last) {
      detachRegion(this.#base);
      detachRegion(this.#metaBase);
    }
    this.#blocks = this.#meta = new ArrayBuffer(0);
  }

  /** Calls `free()`, for `using`. */
  [Symbol.dispose](): void {
    this.#close();
  }
}
