/**
 * `VectorStore`: a growable set of equal-length vectors in one aligned off-heap block, with exact
 * nearest-neighbour search by the SIMD kernels.
 *
 * **Layout.** Rows are packed, `stride = dim` elements apart, in one 64-byte-aligned allocation
 * from `heap` (the `huge`, `node` and `numa` placement options are passed down). When it fills, the
 * capacity doubles: one allocation and one copy per doubling, so growth is amortized O(1).
 *
 * **Ids.** `add` returns a stable id (0, 1, 2, … never reused). `remove(id)` keeps the rows packed
 * by moving the last row into the hole; an id↔slot map keeps every other id valid.
 *
 * **Compact storage.** With `type: "f32"` input, `storage` may be:
 * - `"f16"`: each value rounded to the nearest half float (ties to even). Half the bytes.
 * - `"i8"`: `q = clamp(round(x · scale), −127, 127)`, a symmetric scale with no zero point. The
 *   scale is `options.scale` when given, otherwise `127 / max |x|` over the **first** batch added
 *   (later values beyond that range saturate at ±127). Queries are quantized with the same scale,
 *   and dot and l2sq scores are divided by `scale²`, so they come back in f32 units. A quarter of
 *   the bytes.
 * - `"binary"`: one sign bit per value (`x > 0`), scored by hamming. One 32nd of the bytes.
 *
 * Search runs on the compact type. {@linkcode VectorStore.recall} measures what that costs: the
 * fraction of an exact (f32) store's top-k that a compact store also returns.
 *
 * **Ties** rank the lower slot first (insertion order, except for rows moved by `remove`).
 *
 * @module
 */
import { heap } from "./heap/heap.ts";
import type { AllocOptions, HugeMode, NumaPolicy } from "./heap/options.ts";
import type { OffheapBuffer } from "./heap/buffer.ts";
import { describe, OffheapError } from "./errors.ts";
import { expectScale, quantize } from "./quantize.ts";
import {
  ARRAY_NAMES,
  BINARY,
  ELEMENT_BYTES,
  ELEMENT_TYPES,
  elementCodeOf,
  type ElementType,
  expectDim,
  expectIntegerIn,
  F16,
  F32,
  I8,
  K_MAX,
  kindOf,
  type Metric,
  metricCode,
  METRICS,
  type SearchResult,
  type VectorArray,
  vectors,
} from "./vectors.ts";

/** Options of a {@linkcode VectorStore}. */
export interface VectorStoreOptions {
  /** Elements per input vector (bytes for binary input): 1 to 65536. */
  dim: number;
  /** The input element type: `"f32"` (default), `"f16"`, `"i8"` or `"binary"`. */
  type?: ElementType;
  /** How rows are stored. Default: as `type`. With f32 input: `"f16"`, `"i8"` or `"binary"`. */
  storage?: ElementType;
  /** The search metric. Default `"dot"`, or `"hamming"` for binary storage. */
  metric?: Metric;
  /** The i8 scale (positive). Default: `127 / max |x|` of the first batch added. */
  scale?: number;
  /** Rows to reserve up front. Default 16. */
  capacity?: number;
  /** Hugepage policy of the row memory, as `heap.alloc`'s `huge`. */
  huge?: HugeMode;
  /** The NUMA node to bind the row memory to, as `heap.alloc`'s `node`. */
  node?: number;
  /** The NUMA policy of the row memory, as `heap.alloc`'s `numa`. */
  numa?: NumaPolicy;
}

/** Options of {@linkcode VectorStore.search}. */
export interface SearchOptions {
  /** How many results: 1 to 1024. Fewer come back when the store holds fewer vectors. */
  k: number;
}

/**
 * A plain description of a store's rows, for Workers that scan them in place. Valid until the
 * store next changes (an add may move the rows) or is freed.
 */
export interface VectorStoreDescriptor {
  /** Address of the first row. */
  address: number;
  /** Rows in use. */
  rows: number;
  /** Stored elements per row (bytes for binary). */
  dim: number;
  /** Elements from one row to the next. */
  stride: number;
  /** The stored element type. */
  type: ElementType;
  /** The search metric. */
  metric: Metric;
}

/** Vectors accepted by `addBatch`, `searchBatch` and `recall`: a list, or packed in one array. */
export type VectorBatch = readonly VectorArray[] | VectorArray;

const ROWS_INITIAL = 16;
const ROWS_MAX = 2 ** 32 - 1;

type Internals = {
  prepare(store: VectorStore, query: VectorArray, k: unknown, action: string): { query: VectorArray; k: number };
  finish(store: VectorStore, result: SearchResult): SearchResult;
  pin(store: VectorStore, delta: 1 | -1): void;
};
let internals: Internals;

/**
 * Exact nearest-neighbour search over vectors held off-heap.
 *
 * @example Add, search, remove
 * ```ts
 * import { VectorStore } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using store = new VectorStore({ dim: 3, metric: "cosine" });
 * const [a, b] = store.addBatch([new Float32Array([1, 0, 0]), new Float32Array([0, 1, 0])]);
 * const { ids, scores } = store.search(new Float32Array([0.1, 0.9, 0]), { k: 1 });
 * assert.equal(ids[0], b);
 * assert.ok(scores[0] > 0.99);
 * store.remove(b);
 * assert.equal(store.search(new Float32Array([0, 1, 0]), { k: 1 }).ids[0], a);
 * ```
 */
export class VectorStore {
  #dim: number;
  #inputCode: number;
  #code: number;
  #rowDim: number;
  #metric: number;
  #metricName: Metric;
  #scale: number | undefined;
  #placement: AllocOptions;
  #buffer: OffheapBuffer | null = null;
  #rows: VectorArray = new Float32Array(0);
  #capacity = 0;
  #size = 0;
  #slotToId = new Uint32Array(0);
  #idToSlot = new Int32Array(0);
  #nextId = 0;
  #query: VectorArray;
  #pins = 0;
  #freed = false;

  /**
   * @param options Dimensions, element types, metric and placement.
   * @throws {TypeError} If an option has the wrong type, or `storage` cannot hold `type`.
   * @throws {RangeError} If `dim`, `capacity` or `scale` is out of range, or `metric` is unknown.
   */
  constructor(options: VectorStoreOptions) {
    const action = "create VectorStore";
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Cannot ${action}: options must be an object with dim, got ${describe(options)}`);
    }
    this.#dim = expectDim(action, "dim", options.dim);
    this.#inputCode = elementTypeCode(action, "type", options.type ?? "f32");
    this.#code = elementTypeCode(action, "storage", options.storage ?? ELEMENT_TYPES[this.#inputCode]);
    if (this.#code !== this.#inputCode && this.#inputCode !== F32) {
      throw new TypeError(
        `Cannot ${action}: storage ${describe(options.storage)} needs f32 input, got type ${describe(options.type)}`,
      );
    }
    this.#rowDim = this.#code === BINARY && this.#inputCode === F32 ? Math.ceil(this.#dim / 8) : this.#dim;
    this.#metric = metricCode(action, this.#code, options.metric);
    this.#metricName = metricName(this.#metric);
    if (options.scale !== undefined) {
      if (this.#code !== I8 || this.#inputCode !== F32) {
        throw new TypeError(`Cannot ${action}: scale applies only to f32 input stored as i8`);
      }
      expectScale(action, options.scale);
      this.#scale = options.scale;
    }
    this.#placement = {
      align: 64,
      tag: "VectorStore",
      ...(options.huge === undefined ? {} : { huge: options.huge }),
      ...(options.node === undefined ? {} : { node: options.node }),
      ...(options.numa === undefined ? {} : { numa: options.numa }),
    };
    this.#query = newArray(this.#code, this.#rowDim);
    const capacity = expectIntegerIn(action, "capacity", options.capacity ?? ROWS_INITIAL, 1, ROWS_MAX);
    this.#grow(capacity);
  }

  static {
    internals = {
      prepare: (store, query, k, action) => store.#prepare(query, k, action),
      finish: (store, result) => store.#finish(result),
      pin: (store, delta) => store.#pin(delta),
    };
  }

  /** Vectors in the store. */
  get size(): number {
    return this.#size;
  }

  /** Rows the current allocation holds before it grows. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Elements per input vector. */
  get dim(): number {
    return this.#dim;
  }

  /** The input element type. */
  get type(): ElementType {
    return ELEMENT_TYPES[this.#inputCode];
  }

  /** The stored element type. */
  get storage(): ElementType {
    return ELEMENT_TYPES[this.#code];
  }

  /** The search metric. */
  get metric(): Metric {
    return this.#metricName;
  }

  /** The i8 scale, once fixed (undefined for other storage, or before the first add). */
  get scale(): number | undefined {
    return this.#scale;
  }

  /** Whether `free()` has been called. */
  get freed(): boolean {
    return this.#freed;
  }

  #live(action: string): void {
    if (this.#freed) throw new OffheapError("USE_AFTER_FREE", `Cannot ${action}: the VectorStore was already freed`);
  }

  #mutable(action: string): void {
    this.#live(action);
    if (this.#pins > 0) {
      throw new Error(`Cannot ${action}: a parallel search is reading this VectorStore; await it first`);
    }
  }

  #pin(delta: 1 | -1): void {
    this.#pins += delta;
    if (this.#pins === 0 && this.#freed) this.#release();
  }

  /** Makes room for `rows` rows: one new allocation and one copy, doubling the capacity. */
  #grow(rows: number): void {
    const capacity = Math.min(ROWS_MAX, Math.max(rows, this.#capacity * 2));
    const rowBytes = this.#rowDim * ELEMENT_BYTES[this.#code];
    const buffer = heap.alloc(capacity * rowBytes, this.#placement);
    const old = this.#buffer;
    if (old !== null) {
      if (this.#size > 0) buffer.bytes().set(old.bytes().subarray(0, this.#size * rowBytes));
      old.free();
    }
    this.#buffer = buffer;
    this.#rows = typedView(buffer, this.#code);
    this.#capacity = capacity;
    const slotToId = new Uint32Array(capacity);
    slotToId.set(this.#slotToId.subarray(0, this.#size));
    this.#slotToId = slotToId;
  }

  #reserve(action: string, extra: number): void {
    const needed = this.#size + extra;
    if (needed > ROWS_MAX) throw new RangeError(`Cannot ${action}: the store would exceed ${ROWS_MAX} vectors`);
    if (needed > this.#capacity) this.#grow(needed);
    if (this.#nextId + extra > this.#idToSlot.length) {
      const ids = new Int32Array(Math.max(this.#nextId + extra, this.#idToSlot.length * 2, ROWS_INITIAL));
      ids.set(this.#idToSlot.subarray(0, this.#nextId));
      this.#idToSlot = ids;
    }
  }

  /** Checks one input vector and returns it. */
  #input(action: string, name: string, vector: unknown): VectorArray {
    if (elementCodeOf(vector) !== this.#inputCode) {
      throw new TypeError(
        `Cannot ${action}: ${name} must be a ${ARRAY_NAMES[this.#inputCode]} (this store's type ${this.type}), got ${
          kindOf(vector)
        }`,
      );
    }
    const array = vector as VectorArray;
    if (array.length !== this.#dim) {
      throw new RangeError(`Cannot ${action}: ${name} must have length dim ${this.#dim}, got ${array.length}`);
    }
    return array;
  }

  /** Splits a batch into checked vectors. */
  #batch(action: string, batch: unknown): VectorArray[] {
    if (Array.isArray(batch)) return batch.map((vector, index) => this.#input(action, `rows[${index}]`, vector));
    if (elementCodeOf(batch) !== this.#inputCode) {
      throw new TypeError(
        `Cannot ${action}: rows must be an array of vectors or a packed ${ARRAY_NAMES[this.#inputCode]}, got ${kindOf(batch)}`,
      );
    }
    const packed = batch as VectorArray;
    if (packed.length % this.#dim !== 0) {
      throw new RangeError(`Cannot ${action}: a packed batch's length ${packed.length} is not a multiple of dim ${this.#dim}`);
    }
    const list: VectorArray[] = [];
    for (let start = 0; start < packed.length; start += this.#dim) list.push(packed.subarray(start, start + this.#dim));
    return list;
  }

  /** Writes `vector` (input type) into `target` (storage type), converting as the storage asks. */
  #encode(vector: VectorArray, target: VectorArray): void {
    if (this.#code === this.#inputCode) target.set(vector as Float32Array);
    else if (this.#code === F16) quantize.f16(vector as Float32Array, target as Uint16Array);
    else if (this.#code === I8) quantize.i8(vector as Float32Array, this.#scale!, target as Int8Array);
    else quantize.binary(vector as Float32Array, target as Uint8Array);
  }

  #fixScale(list: readonly VectorArray[]): void {
    if (this.#code !== I8 || this.#inputCode !== F32 || this.#scale !== undefined) return;
    let scale = Infinity;
    for (const vector of list) scale = Math.min(scale, quantize.i8Scale(vector as Float32Array));
    this.#scale = scale === Infinity ? 1 : scale;
  }

  #append(vector: VectorArray): number {
    const slot = this.#size;
    const id = this.#nextId;
    this.#encode(vector, this.#rows.subarray(slot * this.#rowDim, (slot + 1) * this.#rowDim));
    this.#slotToId[slot] = id;
    this.#idToSlot[id] = slot;
    this.#size = slot + 1;
    this.#nextId = id + 1;
    return id;
  }

  /**
   * Adds one vector.
   *
   * @param vector `dim` elements of the store's input type.
   * @returns Its id.
   * @throws {TypeError} On a wrong array type. @throws {RangeError} On a wrong length.
   *
   * @example
   * ```ts
   * import { VectorStore } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using store = new VectorStore({ dim: 2 });
   * assert.equal(store.add(new Float32Array([1, 2])), 0);
   * assert.equal(store.add(new Float32Array([3, 4])), 1);
   * assert.equal(store.size, 2);
   * ```
   */
  add(vector: VectorArray): number {
    const action = "add to VectorStore";
    this.#mutable(action);
    const checked = this.#input(action, "vector", vector);
    this.#fixScale([checked]);
    this.#reserve(action, 1);
    return this.#append(checked);
  }

  /**
   * Adds many vectors, growing at most once.
   *
   * @param rows An array of vectors, or one array of packed vectors (`n · dim` elements).
   * @returns Their ids, in order.
   *
   * @example
   * ```ts
   * import { VectorStore } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using store = new VectorStore({ dim: 2, storage: "i8" });
   * const ids = store.addBatch(new Float32Array([1, 0, 0, -0.5]));
   * assert.deepEqual([...ids], [0, 1]);
   * assert.equal(store.scale, 127);
   * ```
   */
  addBatch(rows: VectorBatch): Uint32Array {
    const action = "add a batch to VectorStore";
    this.#mutable(action);
    const list = this.#batch(action, rows);
    this.#fixScale(list);
    this.#reserve(action, list.length);
    const ids = new Uint32Array(list.length);
    for (let index = 0; index < list.length; index++) ids[index] = this.#append(list[index]);
    return ids;
  }

  #slotOf(action: string, id: unknown): number {
    expectIntegerIn(action, "id", id, 0, ROWS_MAX);
    const slot = (id as number) < this.#nextId ? this.#idToSlot[id as number] : -1;
    return slot;
  }

  /**
   * Whether `id` is in the store.
   *
   * @example
   * ```ts
   * import { VectorStore } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using store = new VectorStore({ dim: 1 });
   * const id = store.add(new Float32Array([1]));
   * assert.ok(store.has(id));
   * store.remove(id);
   * assert.ok(!store.has(id));
   * ```
   */
  has(id: number): boolean {
    this.#live("look up in VectorStore");
    return this.#slotOf("look up in VectorStore", id) >= 0;
  }

  /**
   * A zero-copy view of a stored row, in the storage type (Float32Array, Uint16Array of f16
   * bits, Int8Array or Uint8Array). It stays valid until the next `add`, `addBatch`, `remove` or
   * `free()`: those may move rows.
   *
   * @throws {RangeError} If `id` is not in the store.
   *
   * @example
   * ```ts
   * import { VectorStore } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using store = new VectorStore({ dim: 2 });
   * const id = store.add(new Float32Array([5, 6]));
   * assert.deepEqual([...store.get(id)], [5, 6]);
   * ```
   */
  get(id: number): VectorArray {
    const action = "get from VectorStore";
    this.#live(action);
    const slot = this.#slotOf(action, id);
    if (slot < 0) throw new RangeError(`Cannot ${action}: id ${describe(id)} is not in the store`);
    return this.#rows.subarray(slot * this.#rowDim, (slot + 1) * this.#rowDim);
  }

  /**
   * Removes a vector: the last row moves into its slot, so rows stay packed and every other id
   * stays valid.
   *
   * @returns Whether `id` was in the store.
   * @throws {RangeError} If `id` is not a non-negative integer.
   *
   * @example
   * ```ts
   * import { VectorStore } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using store = new VectorStore({ dim: 1 });
   * const [a, b, c] = store.addBatch(new Float32Array([1, 2, 3]));
   * assert.ok(store.remove(a));
   * assert.ok(!store.remove(a));
   * assert.deepEqual([...store.get(c)], [3]);
   * assert.equal(store.size, 2);
   * ```
   */
  remove(id: number): boolean {
    const action = "remove from VectorStore";
    this.#mutable(action);
    const slot = this.#slotOf(action, id);
    if (slot < 0) return false;
    const last = this.#size - 1;
    if (slot !== last) {
      const width = this.#rowDim;
      this.#rows.copyWithin(slot * width, last * width, (last + 1) * width);
      const moved = this.#slotToId[last];
      this.#slotToId[slot] = moved;
      this.#idToSlot[moved] = slot;
    }
    this.#idToSlot[id] = -1;
    this.#size = last;
    return true;
  }

  /** Converts a query to the storage type and checks k (clamped to the size). */
  #prepare(query: VectorArray, k: unknown, action: string): { query: VectorArray; k: number } {
    this.#live(action);
    const checked = this.#input(action, "query", query);
    const wanted = expectIntegerIn(action, "k", k, 1, K_MAX);
    if (this.#code === this.#inputCode) return { query: checked, k: Math.min(wanted, this.#size) };
    if (this.#code === I8 && this.#scale === undefined) return { query: this.#query, k: 0 };
    this.#encode(checked, this.#query);
    return { query: this.#query, k: Math.min(wanted, this.#size) };
  }

  /** Maps slots to ids and i8 scores back to f32 units, in place. */
  #finish(result: SearchResult): SearchResult {
    const { ids, scores } = result;
    for (let index = 0; index < ids.length; index++) ids[index] = this.#slotToId[ids[index]];
    const metric = this.#metric;
    if (this.#code === I8 && this.#inputCode === F32 && (metric === METRICS.dot || metric === METRICS.l2sq)) {
      const factor = 1 / (this.#scale! * this.#scale!);
      for (let index = 0; index < scores.length; index++) scores[index] *= factor;
    }
    return result;
  }

  /**
   * The `k` nearest vectors to `query`, best first, by the store's metric: one native scan with
   * top-k selection inside it.
   *
   * @param query `dim` elements of the input type (converted to the storage type).
   * @param options `k` from 1 to 1024; fewer results when the store holds fewer vectors.
   * @returns Ids and scores.
   *
   * @example
   * ```ts
   * import { VectorStore } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using store = new VectorStore({ dim: 2, metric: "l2sq" });
   * store.addBatch(new Float32Array([0, 0, 10, 10, 1, 1]));
   * const { ids, scores } = store.search(new Float32Array([1, 2]), { k: 2 });
   * assert.deepEqual([...ids], [2, 0]);
   * assert.deepEqual([...scores], [1, 5]);
   * ```
   */
  search(query: VectorArray, options: SearchOptions): SearchResult {
    const action = "search VectorStore";
    const prepared = this.#prepare(query, options?.k, action);
    if (prepared.k === 0) return { ids: new Uint32Array(0), scores: new Float32Array(0) };
    const result = vectors.topK(prepared.query, this.#buffer!, prepared.k, {
      metric: this.#metricName,
      stride: this.#rowDim,
      rows: this.#size,
    });
    return this.#finish(result);
  }

  /**
   * Searches for each query in turn.
   *
   * @param queries An array of queries, or one array of packed queries.
   * @returns One result per query.
   *
   * @example
   * ```ts
   * import { VectorStore } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using store = new VectorStore({ dim: 1 });
   * store.addBatch(new Float32Array([1, -1]));
   * const results = store.searchBatch(new Float32Array([2, -2]), { k: 1 });
   * assert.deepEqual(results.map((r) => r.ids[0]), [0, 1]);
   * ```
   */
  searchBatch(queries: VectorBatch, options: SearchOptions): SearchResult[] {
    this.#live("search VectorStore");
    return this.#batch("search VectorStore", queries).map((query) => this.search(query, options));
  }

  /**
   * A plain description of the rows (address, count, layout) for Workers that scan them in place.
   *
   * @example
   * ```ts
   * import { VectorStore, vectors } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using store = new VectorStore({ dim: 2 });
   * store.addBatch(new Float32Array([1, 0, 0, 1]));
   * const d = store.descriptor();
   * const scores = vectors.many(new Float32Array([3, 4]), { address: d.address }, null, { rows: d.rows, stride: d.stride });
   * assert.deepEqual([...scores], [3, 4]);
   * ```
   */
  descriptor(): VectorStoreDescriptor {
    this.#live("describe VectorStore");
    return {
      address: this.#buffer!.address,
      rows: this.#size,
      dim: this.#rowDim,
      stride: this.#rowDim,
      type: ELEMENT_TYPES[this.#code],
      metric: this.#metricName,
    };
  }

  #release(): void {
    this.#buffer?.free();
    this.#buffer = null;
    this.#rows = new Float32Array(0);
  }

  /**
   * Frees the row memory. Calling it again does nothing; any other use afterwards throws
   * `OffheapError` `USE_AFTER_FREE`. Views from `get()` must not be used after it.
   *
   * @example
   * ```ts
   * import { OffheapError, VectorStore } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const store = new VectorStore({ dim: 4 });
   * store.free();
   * store.free();
   * assert.throws(() => store.add(new Float32Array(4)), OffheapError);
   * ```
   */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#size = 0;
    if (this.#pins === 0) this.#release();
  }

  /** Frees the row memory at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.free();
  }

  /**
   * Recall@k of a compact store against an exact one: for each query, the fraction of
   * `reference`'s top-k ids that `candidate` also returns, averaged over the queries. Both stores
   * must hold the same vectors under the same ids (add them in the same order).
   *
   * @param reference Usually an f32 store: the ground truth.
   * @param candidate Usually an f16, i8 or binary store of the same f32 input.
   * @param queries Queries of the stores' input type.
   * @param options `k`.
   * @returns A number from 0 to 1 (1 when every query's top-k matches).
   *
   * @example
   * ```ts
   * import { VectorStore } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using exact = new VectorStore({ dim: 8 });
   * using compact = new VectorStore({ dim: 8, storage: "f16" });
   * const rows = Float32Array.from({ length: 8 * 100 }, (_, i) => Math.sin(i));
   * exact.addBatch(rows);
   * compact.addBatch(rows);
   * assert.ok(VectorStore.recall(exact, compact, rows.subarray(0, 80), { k: 5 }) > 0.9);
   * ```
   */
  static recall(reference: VectorStore, candidate: VectorStore, queries: VectorBatch, options: SearchOptions): number {
    const action = "compute recall";
    if (!(reference instanceof VectorStore) || !(candidate instanceof VectorStore)) {
      throw new TypeError(`Cannot ${action}: reference and candidate must be VectorStores`);
    }
    if (reference.dim !== candidate.dim || reference.type !== candidate.type) {
      throw new TypeError(
        `Cannot ${action}: the stores take different vectors (${reference.type}×${reference.dim} and ${candidate.type}×${candidate.dim})`,
      );
    }
    const exact = reference.searchBatch(queries, options);
    const found = candidate.searchBatch(queries, options);
    if (exact.length === 0) return 1;
    let total = 0;
    for (let index = 0; index < exact.length; index++) {
      const truth = exact[index].ids;
      if (truth.length === 0) {
        total += 1;
        continue;
      }
      const got = new Set(found[index].ids);
      let hits = 0;
      for (const id of truth) if (got.has(id)) hits++;
      total += hits / truth.length;
    }
    return total / exact.length;
  }
}

function elementTypeCode(action: string, name: string, value: unknown): number {
  const code = ELEMENT_TYPES.indexOf(value as ElementType);
  if (code < 0) {
    throw new RangeError(`Cannot ${action}: ${name} must be "f32", "f16", "i8" or "binary", got ${describe(value)}`);
  }
  return code;
}

function metricName(code: number): Metric {
  return (Object.keys(METRICS) as Metric[]).find((name) => METRICS[name] === code)!;
}

function newArray(code: number, length: number): VectorArray {
  return code === F32
    ? new Float32Array(length)
    : code === F16
    ? new Uint16Array(length)
    : code === I8
    ? new Int8Array(length)
    : new Uint8Array(length);
}

function typedView(buffer: OffheapBuffer, code: number): VectorArray {
  return code === F32 ? buffer.f32() : code === F16 ? buffer.u16() : code === I8 ? buffer.i8() : buffer.bytes();
}

/** Internal, for parallel search: a checked query converted to the storage type, and k. */
export function prepareSearch(store: VectorStore, query: VectorArray, k: unknown): { query: VectorArray; k: number } {
  return internals.prepare(store, query, k, "search VectorStore in parallel");
}

/** Internal, for parallel search: maps slots to ids and rescales i8 scores, in place. */
export function finishSearch(store: VectorStore, result: SearchResult): SearchResult {
  return internals.finish(store, result);
}

/** Internal, for parallel search: while pinned, the store refuses changes and defers `free()`. */
export function pinStore(store: VectorStore, delta: 1 | -1): void {
  internals.pin(store, delta);
}
