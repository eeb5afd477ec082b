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
 *   that holds a nonzero value (later values beyond that range saturate at ±127). Rows of zeros
 *   added before that are stored exactly and fix no scale (`scale` stays undefined), so a first
 *   batch of zeros never leaves a degenerate one. Queries are quantized with the same scale (while
 *   it is unset, with their own `127 / max |q|`: every row is zero then), and dot and l2sq scores
 *   are divided by `scale²`, so they come back in f32 units. NaN and ±Infinity have no i8 value:
 *   `add`, `addBatch` and searches refuse them with a RangeError, and a refused batch adds nothing.
 *   A quarter of the bytes.
 * - `"f16"` keeps NaN and ±Infinity (and turns values beyond ±65504 into ±Infinity); a row holding
 *   one scores NaN or ±Infinity, and NaN ranks last.
 * - `"binary"`: one sign bit per value (`x > 0`), scored by hamming. One 32nd of the bytes.
 *
 * Search runs on the compact type. {@linkcode VectorStore.recall} measures what that costs: the
 * fraction of an exact (f32) store's top-k that a compact store also returns.
 *
 * **Ties** rank the lower slot first (insertion order, except for rows moved by `remove`).
 *
 * This file is the class; its parts live next to it: options.ts (the options and the store's
 * shape), rows.ts (row memory), ids.ts (the id map), input.ts (input checks and conversion to the storage type),
 * search.ts (search and recall), pins.ts (the pin protocol of parallel searches), and
 * _internals.ts (the hooks `ParallelSearch` uses). It is over 400 lines because every public
 * method keeps its JSDoc and a runnable example here (about half the file); the logic is in those
 * sibling files.
 *
 * @module
 */
import type { ElementType, Metric, VectorArray } from "../vectors/elements.ts";
import { ELEMENTS } from "../vectors/elements.ts";
import { expectIntegerIn, K_MAX } from "../vectors/checks.ts";
import type { SearchResult } from "../vectors/kernels.ts";
import { describe } from "../errors.ts";
import {
  ROWS_MAX,
  type SearchOptions,
  shapeOf,
  type StoreShape,
  type VectorBatch,
  type VectorStoreDescriptor,
  type VectorStoreOptions,
} from "./options.ts";
import { RowStorage } from "./rows.ts";
import { IdMap } from "./ids.ts";
import { StorePins } from "./pins.ts";
import { checkVector, encodeVector, expectQuantizable, queryScale, scaleFor, splitBatch } from "./input.ts";
import { finishResult, recall, scanRows } from "./search.ts";
import { installInternals, type PreparedQuery } from "./_internals.ts";

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
  #shape: StoreShape;
  #scale: number | undefined;
  #rows: RowStorage;
  #ids = new IdMap();
  #pins = new StorePins();
  #size = 0;
  #query: VectorArray;

  /**
   * Creates an empty store; rows live in off-heap memory that grows as rows are added.
   *
   * @param options Dimensions, element types, metric and placement.
   * @throws {TypeError} If an option has the wrong type, or `storage` cannot hold `type`.
   * @throws {RangeError} If `dim`, `capacity` or `scale` is out of range, or `metric` is unknown.
   */
  constructor(options: VectorStoreOptions) {
    const shape = shapeOf(options);
    this.#shape = shape;
    this.#scale = shape.scale;
    this.#query = new ELEMENTS[shape.code].Array(shape.rowDim);
    this.#rows = new RowStorage(shape.code, shape.rowDim, shape.placement);
    this.#grow(shape.capacity);
  }

  static {
    installInternals({
      prepare: (store, query, k, action) => store.#prepare(query, k, action),
      finish: (store, result, scale) => finishResult(store.#shape, scale, store.#ids, result),
      pin: (store, delta) => {
        if (store.#pins.pin(delta)) store.#rows.release();
      },
    });
  }

  /** Vectors in the store. */
  get size(): number {
    return this.#size;
  }

  /** Rows the current allocation holds before it grows. */
  get capacity(): number {
    return this.#rows.capacity;
  }

  /** Elements per input vector. */
  get dim(): number {
    return this.#shape.dim;
  }

  /** The input element type. */
  get type(): ElementType {
    return ELEMENTS[this.#shape.inputCode].name;
  }

  /** The stored element type. */
  get storage(): ElementType {
    return ELEMENTS[this.#shape.code].name;
  }

  /** The search metric. */
  get metric(): Metric {
    return this.#shape.metricName;
  }

  /**
   * The i8 scale, once fixed: `options.scale`, or `127 / max |x|` of the first batch that holds a
   * nonzero value. Undefined for other storage, and until then (a batch of zeros fixes none).
   */
  get scale(): number | undefined {
    return this.#scale;
  }

  /** Whether `free()` has been called. */
  get freed(): boolean {
    return this.#pins.freed;
  }

  /** Makes room for `rows` rows: one new allocation and one copy, doubling the capacity. */
  #grow(rows: number): void {
    const capacity = this.#rows.grow(rows, this.#size);
    this.#ids.growSlots(capacity, this.#size);
  }

  #reserve(action: string, extra: number): void {
    const needed = this.#size + extra;
    if (needed > ROWS_MAX) throw new RangeError(`Cannot ${action}: the store would exceed ${ROWS_MAX} vectors`);
    if (needed > this.#rows.capacity) this.#grow(needed);
    this.#ids.reserveIds(extra);
  }

  #append(vector: VectorArray): number {
    const slot = this.#size;
    encodeVector(this.#shape, this.#scale, vector, this.#rows.row(slot));
    const id = this.#ids.assign(slot);
    this.#size = slot + 1;
    return id;
  }

  /**
   * Adds one vector.
   *
   * @param vector `dim` elements of the store's input type.
   * @returns Its id.
   * @throws {TypeError} On a wrong array type.
   * @throws {RangeError} On a wrong length, or a NaN or ±Infinity value for i8 storage.
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
    this.#pins.mutable(action);
    const checked = checkVector(this.#shape, action, "vector", vector);
    expectQuantizable(this.#shape, action, "vector", [checked], false);
    this.#scale = scaleFor(this.#shape, this.#scale, [checked]);
    this.#reserve(action, 1);
    return this.#append(checked);
  }

  /**
   * Adds many vectors, growing at most once.
   *
   * @param rows An array of vectors, or one array of packed vectors (`n · dim` elements).
   * @returns Their ids, in order.
   * @throws {TypeError} On a wrong array type.
   * @throws {RangeError} On a wrong length, or a NaN or ±Infinity value for i8 storage (then no
   *   vector of the batch is added).
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
    this.#pins.mutable(action);
    const list = splitBatch(this.#shape, action, rows);
    expectQuantizable(this.#shape, action, "rows", list, true);
    this.#scale = scaleFor(this.#shape, this.#scale, list);
    this.#reserve(action, list.length);
    const ids = new Uint32Array(list.length);
    for (let index = 0; index < list.length; index++) ids[index] = this.#append(list[index]);
    return ids;
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
    this.#pins.live("look up in VectorStore");
    return this.#ids.slotOf("look up in VectorStore", id) >= 0;
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
    this.#pins.live(action);
    const slot = this.#ids.slotOf(action, id);
    if (slot < 0) throw new RangeError(`Cannot ${action}: id ${describe(id)} is not in the store`);
    return this.#rows.row(slot);
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
    this.#pins.mutable(action);
    const slot = this.#ids.slotOf(action, id);
    if (slot < 0) return false;
    const last = this.#size - 1;
    if (slot !== last) this.#rows.move(last, slot);
    this.#ids.remove(id, slot, last);
    this.#size = last;
    return true;
  }

  /** Converts a query to the storage type (with the scale it used) and checks k (clamped to the size). */
  #prepare(query: VectorArray, k: unknown, action: string): PreparedQuery {
    this.#pins.live(action);
    const checked = checkVector(this.#shape, action, "query", query);
    const wanted = expectIntegerIn(action, "k", k, 1, K_MAX);
    const { code, inputCode } = this.#shape;
    if (code === inputCode) return { query: checked, k: Math.min(wanted, this.#size), scale: undefined };
    expectQuantizable(this.#shape, action, "query", [checked], false);
    const scale = queryScale(this.#shape, this.#scale, checked);
    encodeVector(this.#shape, scale, checked, this.#query);
    return { query: this.#query, k: Math.min(wanted, this.#size), scale };
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
    const result = scanRows(this.#shape, this.#rows, this.#size, prepared.query, prepared.k);
    return finishResult(this.#shape, prepared.scale, this.#ids, result);
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
    this.#pins.live("search VectorStore");
    return splitBatch(this.#shape, "search VectorStore", queries).map((query) => this.search(query, options));
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
    this.#pins.live("describe VectorStore");
    return {
      address: this.#rows.buffer.address,
      rows: this.#size,
      dim: this.#shape.rowDim,
      stride: this.#shape.rowDim,
      type: ELEMENTS[this.#shape.code].name,
      metric: this.#shape.metricName,
    };
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
    if (this.#pins.freed) return;
    this.#size = 0;
    if (this.#pins.free()) this.#rows.release();
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
    return recall(reference, candidate, queries, options);
  }
}
