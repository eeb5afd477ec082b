/**
 * `Arena`: bump allocation in off-heap chunks. The offset bumps in JavaScript; the library is called
 * only to add a chunk (`offheap_alloc_ex`, so a chunk is an ordinary offheap allocation: placed by
 * `huge` and `node`, viewed through the heap's cached, pinned mappings, checked by the vector
 * kernels like any block). Everything allocated since a `mark()` goes at once with `rewind(mark)`;
 * `reset()` keeps one chunk; `free()` gives every chunk back.
 *
 * Chunks are kept after a rewind (one spare beyond the current one), so views made before a rewind
 * never fault: they see whatever is allocated there next.
 *
 * @module
 */
import { describe, expectNumber, nativeFailure, OffheapError } from "../errors.ts";
import { library } from "../ffi/load.ts";
import { freeOwned } from "../heap/buffer.ts";
import { encodeOptions, type HugeMode } from "../heap/options.ts";
import { mappingFor } from "../heap/views.ts";
import { tagId } from "../profile/tags.ts";
import { noteSample } from "../profile/hot_spots.ts";
import { SAMPLE_FLAG, TIER_BITS } from "../heap/alloc.ts";

/** Options of `new Arena()`. */
export interface ArenaOptions {
  /** Bytes of each chunk: an integer from 64 to 1 GiB. Default 1 MiB. */
  chunkSize?: number;
  /** Default alignment of `alloc()`: a power of two from 1 to 4096. Default 16. */
  align?: number;
  /**
   * Whether the arena may add chunks (and give an allocation larger than `chunkSize` a chunk of its
   * own). Default true. Without it, an allocation that does not fit is an error.
   */
  grow?: boolean;
  /** Hugepages for the chunks, as `heap.alloc` takes them (`"auto"`: above 2 MiB). */
  huge?: HugeMode;
  /** Bind the chunks to this NUMA node. */
  node?: number;
  /** Count the chunks under this tag in `profile.byTag()` (1 to 64 UTF-8 bytes). */
  tag?: string;
}

/** A snapshot of an arena. */
export interface ArenaStats {
  /** Chunks mapped (the current one, those before it, and spares kept after a rewind). */
  chunks: number;
  /** Bytes allocated now (alignment padding included; the unused tail of a filled chunk not). */
  bytesUsed: number;
  /** Bytes of every chunk mapped. */
  bytesMapped: number;
  /** The most `bytesUsed` has been (as of the last mark, rewind, reset, new chunk or stats call). */
  highWater: number;
  /** The configured chunk size. */
  chunkSize: number;
}

/**
 * A scope of an arena (from `arena.scope()`): `using` it rewinds the arena to where the scope began.
 *
 * @example
 * ```ts
 * import { Arena } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using arena = new Arena();
 * {
 *   using _scope = arena.scope();
 *   arena.f32(256);
 * }
 * assert.equal(arena.stats().bytesUsed, 0);
 * ```
 */
export interface ArenaScope {
  /** The mark the scope rewinds to. */
  readonly mark: number;
  /** Rewinds the arena to `mark` (once). */
  [Symbol.dispose](): void;
}

interface Chunk {
  readonly address: number;
  readonly byteLength: number;
  readonly buffer: ArrayBuffer;
  /** The chunk's start inside `buffer`. */
  readonly bufferOffset: number;
}

/**
 * The bump cursor: the hot state of `alloc`, kept in a plain object, and reached through an
 * ordinary (TypeScript-private) property rather than a `#private` field: Bun's JIT handles private
 * fields in that loop badly (measured: 28 ns per alloc through `#cursor`, 2-4 through a property).
 */
class Cursor {
  /** The current chunk's address. */
  base = 0;
  /** Bytes used in the current chunk. */
  offset = 0;
  /** The current chunk's length, or -1 once freed (so the fast path always falls through). */
  limit = 0;
  /** The default alignment. */
  align = 16;
}

const CREATE = "create Arena";
const ALLOC = "allocate from Arena";
const CHUNK_BYTES_MIN = 64;
const CHUNK_BYTES_MAX = 2 ** 30;
const CHUNK_ALIGN = 4096;
/** A mark is chunk index × 2^32 + offset in the chunk (offsets stay below 2^30). */
const MARK_CHUNK = 2 ** 32;

function integerOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  expectNumber(CREATE, name, value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Cannot ${CREATE}: ${name} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function checkAlignment(action: string, value: unknown): number {
  expectNumber(action, "align", value);
  if (!Number.isInteger(value) || value < 1 || value > CHUNK_ALIGN || (value & (value - 1)) !== 0) {
    throw new RangeError(`Cannot ${action}: align must be a power of two from 1 to 4096, got ${describe(value)}`);
  }
  return value;
}

type TypedKind<T> = { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number };

/**
 * Bump allocation in off-heap chunks: `alloc()` costs a few nanoseconds and no FFI call (except to
 * add a chunk); `mark()`/`rewind()`, `scope()` and `reset()` free many allocations at once.
 *
 * @example
 * ```ts
 * import { Arena } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using arena = new Arena({ chunkSize: 1 << 20 });
 * const a = arena.alloc(100, 64);
 * assert.equal(a % 64, 0);
 * const v = arena.f32(768);
 * v[0] = 1.5;
 * const m = arena.mark();
 * arena.bytes(4096);
 * arena.rewind(m);
 * assert.equal(arena.stats().bytesUsed < 4096, true);
 * ```
 */
export class Arena {
  #chunkSize: number;
  #grow: boolean;
  #flags: number;
  #node: number;
  /** The tag id the chunks count under (0: none), and its name (for a sampled chunk). */
  #tagId: number;
  #tag: string | undefined;
  #chunks: Chunk[] = [];
  #current = 0;
  /** The hot state of `alloc` (see {@linkcode Cursor}); not part of the API. */
  private readonly cursor = new Cursor();
  /** Bytes used in the chunks before the current one: the sum of `#leftAt` up to it. */
  #usedBefore = 0;
  /** Per chunk before the current one, the offset it was left at. */
  #leftAt: number[] = [];
  #highWater = 0;

  /**
   * Creates an arena and maps its first chunk.
   *
   * @param options Chunk size, default alignment, growth, hugepages, NUMA node and tag.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If `chunkSize` or `align` is out of range, `huge`/`node` is invalid, or
   * `tag` is empty or longer than 64 bytes.
   * @throws {OffheapError} With code `OUT_OF_MEMORY` when the system has no memory left.
   */
  constructor(options: ArenaOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`Cannot ${CREATE}: options must be an object, got ${describe(options)}`);
    }
    this.#chunkSize = integerOption("chunkSize", options.chunkSize, 1024 * 1024, CHUNK_BYTES_MIN, CHUNK_BYTES_MAX);
    this.cursor.align = options.align === undefined ? 16 : checkAlignment(CREATE, options.align);
    if (options.grow !== undefined && typeof options.grow !== "boolean") {
      throw new TypeError(`Cannot ${CREATE}: grow must be a boolean, got ${typeof options.grow} ${describe(options.grow)}`);
    }
    this.#grow = options.grow ?? true;
    const { flags, node } = encodeOptions({ huge: options.huge, node: options.node });
    this.#flags = flags;
    this.#node = node;
    this.#tagId = tagId(CREATE, options.tag);
    this.#tag = options.tag;
    this.#enter(this.#mapChunk(this.#chunkSize), 0);
  }

  /**
   * Allocates `size` bytes aligned to `align` and returns the address (a plain number).
   *
   * @param size Bytes: a positive integer.
   * @param align A power of two from 1 to 4096; the arena's `align` when omitted.
   * @returns The address.
   * @throws {TypeError} If `size` or `align` is not a number.
   * @throws {RangeError} If `size` is not a positive integer, `align` is not a power of two up to
   * 4096, or `size` exceeds `chunkSize` in an arena that may not grow.
   * @throws {OffheapError} `OUT_OF_MEMORY` when an arena that may not grow is full,
   * `USE_AFTER_FREE` after `free()`.
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using arena = new Arena();
   * const a = arena.alloc(10);
   * const b = arena.alloc(10, 256);
   * assert.equal(b % 256, 0);
   * assert.ok(b > a);
   * ```
   */
  alloc(size: number, align?: number): number {
    const cursor = this.cursor;
    if (align === undefined) {
      // The arena's alignment was checked when it was created: only the size is checked here.
      const alignment = cursor.align;
      const start = (cursor.offset + alignment - 1) & -alignment;
      const end = start + size;
      if (end <= cursor.limit && (size | 0) === size && size > 0) {
        cursor.offset = end;
        return cursor.base + start;
      }
    } else {
      const start = (cursor.offset + align - 1) & -align;
      const end = start + size;
      if (end <= cursor.limit && (size | 0) === size && size > 0 && (align & (align - 1)) === 0 && align > 0 && align <= CHUNK_ALIGN) {
        cursor.offset = end;
        return cursor.base + start;
      }
    }
    return this.#allocSlow(size, align);
  }

  #allocSlow(size: number, align: number | undefined): number {
    this.#live(ALLOC);
    expectNumber(ALLOC, "size", size);
    if (!Number.isSafeInteger(size) || size <= 0) {
      throw new RangeError(`Cannot ${ALLOC}: size must be a positive integer, got ${describe(size)}`);
    }
    const alignment = align === undefined ? this.cursor.align : checkAlignment(ALLOC, align);
    if (size > this.#chunkSize && !this.#grow) {
      throw new RangeError(`Cannot ${ALLOC}: size ${size} is larger than the chunk (${this.#chunkSize}) of an arena that may not grow`);
    }
    if (size > CHUNK_BYTES_MAX) throw new RangeError(`Cannot ${ALLOC}: size ${size} is above 1 GiB`);
    const start = (this.cursor.offset + alignment - 1) & -alignment;
    if (start + size <= this.cursor.limit) {
      this.cursor.offset = start + size;
      return this.cursor.base + start;
    }
    if (!this.#grow) {
      throw new OffheapError("OUT_OF_MEMORY", `Cannot ${ALLOC}: the arena is full (chunkSize ${this.#chunkSize}, grow false)`);
    }
    // A chunk starts 4096-aligned, so offset 0 of the next one satisfies every alignment.
    this.#advance(size);
    this.cursor.offset = size;
    return this.cursor.base;
  }

  /** Moves to the next chunk, reusing the spare when it holds `size`, else mapping one. */
  #advance(size: number): void {
    this.#noteHighWater();
    this.#leftAt[this.#current] = this.cursor.offset;
    this.#usedBefore += this.cursor.offset;
    const next = this.#current + 1;
    const spare = this.#chunks[next];
    if (spare !== undefined && spare.byteLength >= size) return this.#enter(spare, next);
    this.#releaseFrom(next);
    this.#enter(this.#mapChunk(Math.max(size, this.#chunkSize)), next);
  }

  #enter(chunk: Chunk, index: number): void {
    this.#chunks[index] = chunk;
    this.#current = index;
    this.cursor.base = chunk.address;
    this.cursor.offset = 0;
    this.cursor.limit = chunk.byteLength;
  }

  #mapChunk(size: number): Chunk {
    const encoded = library().native.offheap_alloc_owned(size, CHUNK_ALIGN, this.#flags, this.#node, this.#tagId);
    if (encoded <= 0) throw nativeFailure("add an Arena chunk", encoded, `size ${size}`);
    const low = encoded & (TIER_BITS | SAMPLE_FLAG); // the tier, and whether to sample this chunk
    const address = encoded - low;
    if (low & SAMPLE_FLAG) noteSample(size, this.#tag);
    const mapping = mappingFor(address, size, "add an Arena chunk");
    return { address, byteLength: size, buffer: mapping.buffer, bufferOffset: address - mapping.base };
  }

  /** Frees the chunks from `index` on. */
  #releaseFrom(index: number): void {
    const chunks = this.#chunks;
    for (let at = chunks.length - 1; at >= index; at--) {
      freeOwned(chunks[at].address, chunks[at].byteLength, this.#tagId, "free an Arena chunk");
    }
    chunks.length = Math.min(chunks.length, index);
  }

  #noteHighWater(): void {
    const used = this.#usedBefore + this.cursor.offset;
    if (used > this.#highWater) this.#highWater = used;
  }

  #typed<T>(Kind: TypedKind<T>, count: number, action: string): T {
    expectNumber(action, "count", count);
    if (!Number.isSafeInteger(count) || count <= 0) {
      throw new RangeError(`Cannot ${action}: count must be a positive integer, got ${describe(count)}`);
    }
    const size = Kind.BYTES_PER_ELEMENT;
    const address = this.alloc(count * size, Math.max(this.cursor.align, size));
    const chunk = this.#chunks[this.#current];
    return new Kind(chunk.buffer, chunk.bufferOffset + (address - chunk.address), count);
  }

  /**
   * Allocates `count` bytes and returns them as a `Uint8Array` (valid until a rewind past it).
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * using arena = new Arena();
   * arena.bytes(16).fill(1);
   * ```
   */
  bytes(count: number): Uint8Array {
    return this.#typed(Uint8Array, count, "view Arena bytes");
  }

  /**
   * Allocates `count` 32-bit floats.
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using arena = new Arena();
   * assert.equal(arena.f32(768).length, 768);
   * ```
   */
  f32(count: number): Float32Array {
    return this.#typed(Float32Array, count, "view Arena f32");
  }

  /**
   * Allocates `count` 64-bit floats.
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * using arena = new Arena();
   * arena.f64(4)[3] = 0.5;
   * ```
   */
  f64(count: number): Float64Array {
    return this.#typed(Float64Array, count, "view Arena f64");
  }

  /**
   * Allocates `count` signed 32-bit integers.
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * using arena = new Arena();
   * arena.i32(4)[0] = -1;
   * ```
   */
  i32(count: number): Int32Array {
    return this.#typed(Int32Array, count, "view Arena i32");
  }

  /**
   * Allocates `count` unsigned 32-bit integers.
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * using arena = new Arena();
   * arena.u32(4)[0] = 7;
   * ```
   */
  u32(count: number): Uint32Array {
    return this.#typed(Uint32Array, count, "view Arena u32");
  }

  /**
   * Allocates `count` unsigned 16-bit integers (the storage of f16 vectors).
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * using arena = new Arena();
   * arena.u16(4)[0] = 0x3c00;
   * ```
   */
  u16(count: number): Uint16Array {
    return this.#typed(Uint16Array, count, "view Arena u16");
  }

  /**
   * Allocates `count` signed bytes (the storage of i8 vectors).
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * using arena = new Arena();
   * arena.i8(4)[0] = -3;
   * ```
   */
  i8(count: number): Int8Array {
    return this.#typed(Int8Array, count, "view Arena i8");
  }

  /**
   * The arena's position now, for {@linkcode Arena.rewind}.
   *
   * @returns A mark (a number).
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using arena = new Arena();
   * const m = arena.mark();
   * arena.alloc(100);
   * arena.rewind(m);
   * assert.equal(arena.mark(), m);
   * ```
   */
  mark(): number {
    this.#live("mark Arena");
    this.#noteHighWater();
    return this.#current * MARK_CHUNK + this.cursor.offset;
  }

  /**
   * Frees everything allocated since `mark` at once. Chunks are kept (one spare beyond the mark's
   * chunk, the rest freed), so views of rewound memory stay readable and see later allocations.
   *
   * @param mark What {@linkcode Arena.mark} returned, not ahead of the arena's position.
   * @throws {TypeError} If `mark` is not a number.
   * @throws {RangeError} If `mark` is ahead of the arena (already rewound past, or from before a reset).
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using arena = new Arena({ chunkSize: 4096 });
   * const m = arena.mark();
   * for (let i = 0; i < 10; i++) arena.alloc(4000);
   * arena.rewind(m);
   * assert.equal(arena.stats().bytesUsed, 0);
   * assert.equal(arena.stats().chunks, 2);
   * ```
   */
  rewind(mark: number): void {
    this.#live("rewind Arena");
    expectNumber("rewind Arena", "mark", mark);
    const chunk = Math.floor(mark / MARK_CHUNK);
    const offset = mark - chunk * MARK_CHUNK;
    const ahead = chunk > this.#current || (chunk === this.#current && offset > this.cursor.offset);
    if (!Number.isSafeInteger(mark) || mark < 0 || ahead || offset > this.#chunks[chunk].byteLength) {
      throw new RangeError(`Cannot rewind Arena: mark ${describe(mark)} is not a position at or before the arena's`);
    }
    this.#noteHighWater();
    let usedBefore = 0;
    for (let index = 0; index < chunk; index++) usedBefore += this.#leftAt[index];
    this.#usedBefore = usedBefore;
    this.#leftAt.length = chunk;
    this.#releaseFrom(chunk + 2);
    this.#enter(this.#chunks[chunk], chunk);
    this.cursor.offset = offset | 0; // an int32 (offsets stay below 2^30), so the field stays a small integer
  }

  /**
   * Frees every allocation, keeping the first chunk (and unmapping the others).
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using arena = new Arena({ chunkSize: 4096 });
   * arena.alloc(4000); arena.alloc(4000);
   * arena.reset();
   * assert.deepEqual([arena.stats().chunks, arena.stats().bytesUsed], [1, 0]);
   * ```
   */
  reset(): void {
    this.#live("reset Arena");
    this.#noteHighWater();
    this.#releaseFrom(1);
    this.#usedBefore = 0;
    this.#leftAt.length = 0;
    this.#enter(this.#chunks[0], 0);
  }

  /**
   * Runs `fn` and rewinds the arena afterwards (after the promise settles, if `fn` returns one);
   * without `fn`, returns a scope for `using`.
   *
   * @param fn What to run; it receives the arena.
   * @returns What `fn` returns, or the scope.
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using arena = new Arena();
   * const sum = arena.scope((a) => a.f64(3).fill(2).reduce((x, y) => x + y));
   * assert.equal(sum, 6);
   * assert.equal(arena.stats().bytesUsed, 0);
   * ```
   */
  scope(): ArenaScope;
  /**
   * Runs `fn` and rewinds the arena afterwards (after the promise settles, if `fn` returns one).
   *
   * @param fn What to run; it receives the arena.
   * @returns What `fn` returns.
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using arena = new Arena();
   * assert.equal(arena.scope((a) => a.bytes(8).length), 8);
   * ```
   */
  scope<T>(fn: (arena: Arena) => T): T;
  scope<T>(fn?: (arena: Arena) => T): T | ArenaScope {
    const mark = this.mark();
    if (fn === undefined) {
      let done = false;
      return {
        mark,
        [Symbol.dispose]: () => {
          if (done || this.freed) return;
          done = true;
          this.rewind(mark);
        },
      };
    }
    if (typeof fn !== "function") throw new TypeError(`Cannot open an Arena scope: fn must be a function, got ${typeof fn}`);
    let result: T;
    try {
      result = fn(this);
    } catch (error) {
      if (!this.freed) this.rewind(mark);
      throw error;
    }
    if (result instanceof Promise) {
      return result.finally(() => {
        if (!this.freed) this.rewind(mark);
      }) as T;
    }
    this.rewind(mark);
    return result;
  }

  /**
   * The arena's chunks and bytes.
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using arena = new Arena({ chunkSize: 65536 });
   * arena.alloc(1000);
   * const stats = arena.stats();
   * assert.equal(stats.bytesUsed, 1000);
   * assert.equal(stats.bytesMapped, 65536);
   * ```
   */
  stats(): ArenaStats {
    this.#live("read Arena stats");
    this.#noteHighWater();
    let bytesMapped = 0;
    for (const chunk of this.#chunks) bytesMapped += chunk.byteLength;
    return {
      chunks: this.#chunks.length,
      bytesUsed: this.#usedBefore + this.cursor.offset,
      bytesMapped,
      highWater: this.#highWater,
      chunkSize: this.#chunkSize,
    };
  }

  /** Whether `free()` has been called. */
  get freed(): boolean {
    return this.cursor.limit === -1;
  }

  #live(action: string): void {
    if (this.cursor.limit === -1) throw new OffheapError("USE_AFTER_FREE", `Cannot ${action}: the arena was already freed`);
  }

  /**
   * Frees every chunk. Idempotent; any other use afterwards throws `OffheapError` `USE_AFTER_FREE`.
   *
   * @example
   * ```ts
   * import { Arena } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const arena = new Arena();
   * arena.free();
   * arena.free();
   * assert.throws(() => arena.alloc(8), { code: "USE_AFTER_FREE" });
   * ```
   */
  free(): void {
    if (this.cursor.limit === -1) return;
    this.#releaseFrom(0);
    this.cursor.limit = -1;
    this.cursor.offset = 0;
    this.cursor.base = 0;
  }

  /** Calls `free()`, for `using`. */
  [Symbol.dispose](): void {
    this.free();
  }
}

