/**
 * `VectorIndex`: approximate nearest-neighbour search (HNSW) over vectors held off-heap, in Zig
 * (zig/src/index/). Where `VectorStore` scans every row exactly, an index walks a graph and scores
 * a few thousand of them, so a search costs microseconds to a few milliseconds at any size, and
 * returns the true top-k most of the time (recall, tuned by `ef`).
 *
 * This file is the class; its parts live next to it: options.ts (options, shapes and result
 * types), filter.ts (search filters), native.ts (the hot FFI bindings), persist.ts (files) and
 * share.ts (Worker descriptors). Every public method keeps its JSDoc and a runnable example here.
 *
 * @module
 */
import { describe, OffheapError, unwrap } from "../errors.ts";
import type { Native } from "../ffi/symbols.ts";
import { elementCodeOf, ELEMENTS, F32, metricName } from "../vectors/elements.ts";
import { expectIntegerIn, K_MAX, kindOf } from "../vectors/checks.ts";
import { firstNonFinite } from "../vectors/quantize.ts";
import {
  type AddBatchOptions,
  type AddOptions,
  expectId,
  type IndexSearchOptions,
  type IndexSearchResult,
  indexShapeOf,
  STAT_FIELDS,
  type VectorIndexOptions,
  type VectorIndexStats,
} from "./options.ts";
import { encodeFilter, expectLabel } from "./filter.ts";
import { ALREADY_EXISTS, bindIndex, indexHas, indexSearch, NOT_FOUND } from "./native.ts";
import { type IndexOpenOptions, modeCode, pathBytes } from "./persist.ts";
import { INDEX_DESCRIPTOR_KIND, indexDescriptorHandle, type VectorIndexDescriptor } from "./share.ts";

/** Marks a constructor call that adopts an opened handle instead of creating an index. */
const ADOPT: unique symbol = Symbol("adopt");
type Adopted = { [ADOPT]: number };

/**
 * Approximate nearest-neighbour search over vectors held off-heap (HNSW).
 *
 * @example Build, search, filter, remove
 * ```ts
 * import { VectorIndex } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using index = new VectorIndex({ dim: 2, metric: "cosine" });
 * index.addBatch([10, 20, 30], new Float32Array([1, 0, 0, 1, 1, 1]));
 * const { ids, scores } = index.search(new Float32Array([0.9, 0.1]), { k: 2 });
 * assert.deepEqual([...ids], [10, 30]);
 * assert.ok(scores[0] > 0.99);
 * assert.equal(index.search(new Float32Array([1, 0]), { k: 1, filter: [20] }).ids[0], 20);
 * index.remove(10);
 * assert.equal(index.size, 2);
 * ```
 */
export class VectorIndex {
  #handle: number;
  #native: Native;
  #dim: number;
  #outIds = new Float64Array(K_MAX);
  #outScores = new Float32Array(K_MAX);
  #counts = new Uint32Array(1);
  #one = new Float64Array(1);
  #oneLabel = new Uint32Array(1);
  #failed = new Float64Array(1);

  /**
   * Creates an empty index.
   *
   * @param options Dimensions, metric, storage, graph parameters (`m`, `efConstruction`,
   *   `efSearch`) and placement; see {@linkcode VectorIndexOptions}.
   * @throws {TypeError} If an option has the wrong type or the combination cannot work (hamming
   *   without binary storage, binary storage with another metric and no `rerank`).
   * @throws {RangeError} If an option is out of range.
   */
  constructor(options: VectorIndexOptions) {
    this.#native = bindIndex();
    const adopted = (options as unknown as Adopted | null)?.[ADOPT];
    if (adopted !== undefined) {
      this.#handle = adopted;
      this.#dim = this.stats().dim;
      return;
    }
    const shape = indexShapeOf(options);
    const created = this.#native.offheap_index_create(
      shape.dim,
      shape.metric,
      shape.storage,
      shape.m,
      shape.efConstruction,
      shape.efSearch,
      shape.capacity,
      shape.flags,
      shape.node,
      shape.scale,
    );
    this.#handle = unwrap(created, "create VectorIndex", `dim ${shape.dim}`);
    this.#dim = shape.dim;
  }

  /**
   * Opens an index: from a file written by {@linkcode VectorIndex.save} (loaded into memory, or
   * viewed in place read-only), or from a descriptor of {@linkcode VectorIndex.share} (the same
   * index, in another Worker).
   *
   * @param source A file path, or a descriptor.
   * @param options For a file: `mode` `"load"` (default) or `"view"`.
   * @returns A new `VectorIndex` object; free it like any other.
   * @throws {OffheapError} `NOT_FOUND` for a missing file, `INVALID_FILE` for a file that is not an
   *   index of this format version (foreign, truncated or corrupt), `NOT_OWNED` for a descriptor of
   *   an index already freed.
   * @throws {TypeError} For a source that is neither a string nor a descriptor.
   *
   * @example Save, then view the file in place
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const path = `${Deno.makeTempDirSync()}/vectors.hnsw`;
   * using index = new VectorIndex({ dim: 2, metric: "l2sq" });
   * index.addBatch([1, 2], new Float32Array([0, 0, 5, 5]));
   * index.save(path);
   * using view = VectorIndex.open(path, { mode: "view" });
   * assert.equal(view.search(new Float32Array([4, 4]), { k: 1 }).ids[0], 2);
   * ```
   */
  static open(source: string | VectorIndexDescriptor, options?: IndexOpenOptions): VectorIndex {
    const native = bindIndex();
    let handle: number;
    if (typeof source === "string") {
      const action = `open VectorIndex file ${describe(source)}`;
      const bytes = pathBytes("open VectorIndex", source);
      const opened = native.offheap_index_open_file(bytes, bytes.length, modeCode("open VectorIndex", options));
      if (opened === NOT_FOUND) {
        throw new OffheapError("NOT_FOUND", `Cannot ${action}: it cannot be opened (missing or unreadable)`, opened);
      }
      handle = unwrap(opened, action, "file");
    } else {
      handle = indexDescriptorHandle(source, "open VectorIndex");
      unwrap(native.offheap_index_retain(handle), "open VectorIndex", `handle ${handle}`);
    }
    return new VectorIndex({ [ADOPT]: handle } as unknown as VectorIndexOptions);
  }

  #live(action: string): number {
    if (this.#handle === 0) throw new OffheapError("USE_AFTER_FREE", `Cannot ${action}: the VectorIndex was freed`);
    return this.#handle;
  }

  #vector(action: string, name: string, vector: unknown): Float32Array {
    if (elementCodeOf(vector) !== F32) {
      throw new TypeError(`Cannot ${action}: ${name} must be a Float32Array, got ${kindOf(vector)}`);
    }
    const array = vector as Float32Array;
    if (array.length !== this.#dim) {
      throw new RangeError(`Cannot ${action}: ${name} must have length dim ${this.#dim}, got ${array.length}`);
    }
    const bad = firstNonFinite(array);
    if (bad >= 0) throw new RangeError(`Cannot ${action}: ${name}[${bad}] is ${array[bad]}; vectors must be finite`);
    return array;
  }

  /** Vectors in the index (removed ones not counted). */
  get size(): number {
    return unwrap(this.#native.offheap_index_size(this.#live("read size")), "read size", "VectorIndex");
  }

  /** Values per vector. */
  get dim(): number {
    return this.#dim;
  }

  /**
   * Adds one vector under `id`.
   *
   * @param id A non-negative integer up to 2^53, not yet in the index.
   * @param vector `dim` finite f32 values (copied; cosine normalizes the copy).
   * @param options `label`: an integer 0..2^32 − 1 for `{ labels }` filters (default 0).
   * @throws {OffheapError} `ALREADY_EXISTS` when the index holds `id` (use `update`), `READ_ONLY`
   *   for a view.
   * @throws {TypeError} / {RangeError} For a wrong id or vector (type, length, NaN or ±Infinity).
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using index = new VectorIndex({ dim: 3 });
   * index.add(7, new Float32Array([1, 2, 3]));
   * assert.ok(index.has(7));
   * ```
   */
  add(id: number, vector: Float32Array, options?: AddOptions): void {
    const action = "add to VectorIndex";
    const handle = this.#live(action);
    this.#one[0] = expectId(action, "id", id);
    const row = this.#vector(action, "vector", vector);
    const label = options?.label;
    if (label !== undefined) this.#oneLabel[0] = expectLabel(action, "label", label);
    const labels = label === undefined ? null : this.#oneLabel;
    const status = this.#native.offheap_index_add(handle, this.#one, 1, labels, row, 1, this.#failed);
    if (status === ALREADY_EXISTS) {
      throw new OffheapError(
        "ALREADY_EXISTS",
        `Cannot ${action}: id ${id} is already in the index (update replaces a vector)`,
        status,
      );
    }
    unwrap(status, action, `id ${id}`);
  }

  /**
   * Adds many vectors in one native call: all of them, or none when any is refused. A batch of 256
   * or more is linked into the graph by several native threads at once (one per CPU unless
   * `options.threads` says otherwise; they live only inside the call), with the recall of a
   * serial build.
   *
   * @param ids The ids: an array, `Float64Array` or other typed array of integers 0..2^53, none in
   *   the index yet and none repeated.
   * @param rows The vectors, packed in one `Float32Array` of `ids.length · dim` values, or a list
   *   of `Float32Array`s.
   * @param options `threads`: native builders, 1 to 64 (default: one per CPU, at most 16);
   *   `labels`: one label per vector, for `{ labels }` filters (default all 0).
   * @throws {OffheapError} `ALREADY_EXISTS` naming the first id present or repeated.
   * @throws {TypeError} / {RangeError} For wrong ids or rows (naming the first bad one).
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using index = new VectorIndex({ dim: 2, metric: "l2sq" });
   * index.addBatch(new Float64Array([1, 2, 3]), new Float32Array([0, 0, 1, 1, 2, 2]));
   * assert.equal(index.size, 3);
   * ```
   */
  addBatch(ids: ArrayLike<number>, rows: Float32Array | readonly Float32Array[], options: AddBatchOptions = {}): void {
    const action = "add a batch to VectorIndex";
    const handle = this.#live(action);
    const threads = options?.threads === undefined ? 0 : expectIntegerIn(action, "threads", options.threads, 1, 64);
    if (ids === null || typeof ids !== "object" || typeof (ids as ArrayLike<number>).length !== "number") {
      throw new TypeError(`Cannot ${action}: ids must be an array or typed array of numbers, got ${kindOf(ids)}`);
    }
    const count = ids.length;
    const idList = ids instanceof Float64Array ? ids : Float64Array.from(ids);
    for (let index = 0; index < count; index++) expectId(action, `ids[${index}]`, ids[index]);
    const packed = this.#packRows(action, rows, count);
    const labels = options?.labels === undefined ? null : this.#labels(action, options.labels, count);
    if (count === 0) return;
    const status = this.#native.offheap_index_add(handle, idList, count, labels, packed, threads, this.#failed);
    if (status === ALREADY_EXISTS) {
      const id = idList[this.#failed[0]];
      throw new OffheapError(
        "ALREADY_EXISTS",
        `Cannot ${action}: ids[${
          this.#failed[0]
        }] = ${id} is already in the index or repeated in the batch; nothing was added`,
        status,
      );
    }
    unwrap(status, action, `${count} vectors`);
  }

  #labels(action: string, labels: unknown, count: number): Uint32Array {
    const list = labels as ArrayLike<unknown> | null;
    if (list === null || typeof list !== "object" || typeof list.length !== "number") {
      throw new TypeError(`Cannot ${action}: labels must be an array or typed array of labels, got ${kindOf(labels)}`);
    }
    if (list.length !== count) {
      throw new RangeError(`Cannot ${action}: labels has ${list.length} entries for ${count} ids`);
    }
    for (let index = 0; index < count; index++) expectLabel(action, `labels[${index}]`, list[index]);
    return list instanceof Uint32Array ? list : Uint32Array.from(list as ArrayLike<number>);
  }

  #packRows(action: string, rows: unknown, count: number): Float32Array {
    const dim = this.#dim;
    if (Array.isArray(rows)) {
      if (rows.length !== count) {
        throw new RangeError(`Cannot ${action}: rows has ${rows.length} vectors for ${count} ids`);
      }
      const packed = new Float32Array(count * dim);
      rows.forEach((row, index) => packed.set(this.#vector(action, `rows[${index}]`, row), index * dim));
      return packed;
    }
    if (elementCodeOf(rows) !== F32) {
      throw new TypeError(
        `Cannot ${action}: rows must be a packed Float32Array or a list of them, got ${kindOf(rows)}`,
      );
    }
    const packed = rows as Float32Array;
    if (packed.length !== count * dim) {
      throw new RangeError(
        `Cannot ${action}: rows must hold ids.length × dim = ${count * dim} values, got ${packed.length}`,
      );
    }
    const bad = firstNonFinite(packed);
    if (bad >= 0) {
      throw new RangeError(
        `Cannot ${action}: rows[${Math.floor(bad / dim)}][${bad % dim}] is ${packed[bad]}; vectors must be finite`,
      );
    }
    return packed;
  }

  /**
   * Removes `id`'s vector. Its graph node stays as a tombstone (walked through, never returned)
   * until tombstones are half of the nodes, when the graph is rebuilt from the live vectors.
   *
   * @throws {RangeError} When the index does not hold `id`.
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using index = new VectorIndex({ dim: 1, metric: "l2sq" });
   * index.add(1, new Float32Array([1]));
   * index.remove(1);
   * assert.equal(index.has(1), false);
   * assert.throws(() => index.remove(1), RangeError);
   * ```
   */
  remove(id: number): void {
    const action = "remove from VectorIndex";
    const handle = this.#live(action);
    const status = this.#native.offheap_index_remove(handle, expectId(action, "id", id));
    if (status === NOT_FOUND) throw new RangeError(`Cannot ${action}: id ${id} is not in the index`);
    unwrap(status, action, `id ${id}`);
  }

  /**
   * Replaces the vector of `id`, which the index must hold.
   *
   * @throws {RangeError} When the index does not hold `id`, or for a wrong vector.
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using index = new VectorIndex({ dim: 1, metric: "l2sq" });
   * index.addBatch([1, 2], new Float32Array([0, 10]));
   * index.update(1, new Float32Array([11]));
   * assert.equal(index.search(new Float32Array([12]), { k: 1 }).ids[0], 1);
   * ```
   */
  update(id: number, vector: Float32Array): void {
    const action = "update VectorIndex";
    const handle = this.#live(action);
    expectId(action, "id", id);
    const row = this.#vector(action, "vector", vector);
    const status = this.#native.offheap_index_update(handle, id, row);
    if (status === NOT_FOUND) throw new RangeError(`Cannot ${action}: id ${id} is not in the index (add it)`);
    unwrap(status, action, `id ${id}`);
  }

  /**
   * Whether the index holds `id` (false for anything that is not an id).
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using index = new VectorIndex({ dim: 1 });
   * index.add(3, new Float32Array([1]));
   * assert.equal(index.has(3), true);
   * assert.equal(index.has(4), false);
   * ```
   */
  has(id: number): boolean {
    const handle = this.#live("query VectorIndex");
    return unwrap(indexHas(handle, id), "query VectorIndex", `id ${id}`) === 1;
  }

  /**
   * The vector of `id`, or `undefined` when the index does not hold it. It comes back as the index
   * keeps it: normalized for `"cosine"` and `"cosine_distance"`, at f16 or i8 precision for those
   * storages (i8 divided by its scale again), and for binary storage 1 where the sign bit is set
   * and 0 elsewhere, unless f32 rows are kept (`rerank`), which are returned instead.
   *
   * @throws {TypeError} / {RangeError} For an id that is not an integer in 0..2^53.
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using index = new VectorIndex({ dim: 2, metric: "l2sq" });
   * index.add(7, new Float32Array([1.5, -2]));
   * assert.deepEqual([...index.get(7)!], [1.5, -2]);
   * assert.equal(index.get(8), undefined);
   * ```
   */
  get(id: number): Float32Array | undefined {
    const action = "get from VectorIndex";
    const handle = this.#live(action);
    expectId(action, "id", id);
    const out = new Float32Array(this.#dim);
    return unwrap(this.#native.offheap_index_get(handle, id, out), action, `id ${id}`) === 1 ? out : undefined;
  }

  #searchArguments(action: string, options: IndexSearchOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Cannot ${action}: options must be an object with k, got ${describe(options)}`);
    }
    const k = expectIntegerIn(action, "k", options.k, 1, K_MAX);
    const ef = options.ef === undefined ? 0 : expectIntegerIn(action, "ef", options.ef, 1, 4096);
    return { k, ef, filter: encodeFilter(action, options.filter) };
  }

  /**
   * The `k` nearest vectors to `query`, best first (in the metric's order), among those `filter`
   * allows. The filter is applied inside the native search; a tight one (few allowed ids) is
   * answered by an exact scan of those ids, so its top-k is exact.
   *
   * @param query `dim` finite f32 values.
   * @param options `k` (1..1024), `ef` (the beam width; default the index's `efSearch`), `filter`.
   * @returns Ids (`Float64Array`) and scores (`Float32Array`, the metric's units); fewer than `k`
   *   when fewer vectors (or allowed ids) exist.
   * @throws {TypeError} / {RangeError} For a wrong query, k, ef or filter.
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using index = new VectorIndex({ dim: 1, metric: "l2sq" });
   * index.addBatch([1, 2, 3], new Float32Array([1, 2, 3]));
   * const near = index.search(new Float32Array([2.2]), { k: 2, filter: new Set([1, 3]) });
   * assert.deepEqual([...near.ids], [3, 1]);
   * ```
   */
  search(query: Float32Array, options: IndexSearchOptions): IndexSearchResult {
    const action = "search VectorIndex";
    const handle = this.#live(action);
    const vector = this.#vector(action, "query", query);
    const { k, ef, filter } = this.#searchArguments(action, options);
    const status = indexSearch(
      handle,
      vector,
      1,
      k,
      ef,
      filter.kind,
      filter.data,
      filter.length,
      this.#outIds,
      this.#outScores,
      this.#counts,
    );
    unwrap(status, action, `k ${k}`);
    const count = this.#counts[0];
    return { ids: this.#outIds.slice(0, count), scores: this.#outScores.slice(0, count) };
  }

  /**
   * Searches many queries in one native call.
   *
   * @param queries Packed in one `Float32Array` (a multiple of `dim` values), or a list of them.
   * @param options As {@linkcode VectorIndex.search}'s, for every query.
   * @returns One result per query, in order.
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using index = new VectorIndex({ dim: 1, metric: "l2sq" });
   * index.addBatch([1, 2], new Float32Array([0, 10]));
   * const [a, b] = index.searchBatch(new Float32Array([1, 9]), { k: 1 });
   * assert.deepEqual([a.ids[0], b.ids[0]], [1, 2]);
   * ```
   */
  searchBatch(queries: Float32Array | readonly Float32Array[], options: IndexSearchOptions): IndexSearchResult[] {
    const action = "search a batch in VectorIndex";
    const handle = this.#live(action);
    const dim = this.#dim;
    let packed: Float32Array;
    if (Array.isArray(queries)) packed = this.#packRows(action, queries, queries.length);
    else {
      if (elementCodeOf(queries) !== F32 || (queries as Float32Array).length % dim !== 0) {
        throw new TypeError(
          `Cannot ${action}: queries must be a Float32Array of a multiple of dim ${dim} values, or a list of queries`,
        );
      }
      packed = this.#packRows(action, queries, (queries as Float32Array).length / dim);
    }
    const count = packed.length / dim;
    const { k, ef, filter } = this.#searchArguments(action, options);
    if (count === 0) return [];
    const ids = new Float64Array(count * k);
    const scores = new Float32Array(count * k);
    const counts = new Uint32Array(count);
    const status = indexSearch(
      handle,
      packed,
      count,
      k,
      ef,
      filter.kind,
      filter.data,
      filter.length,
      ids,
      scores,
      counts,
    );
    unwrap(status, action, `${count} queries`);
    const results: IndexSearchResult[] = [];
    for (let q = 0; q < count; q++) {
      results.push({ ids: ids.slice(q * k, q * k + counts[q]), scores: scores.slice(q * k, q * k + counts[q]) });
    }
    return results;
  }

  /**
   * Size, graph shape, memory and options.
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using index = new VectorIndex({ dim: 4, m: 8 });
   * index.add(1, new Float32Array([1, 0, 0, 0]));
   * const stats = index.stats();
   * assert.equal(stats.size, 1);
   * assert.equal(stats.m, 8);
   * assert.ok(stats.memoryBytes > 0);
   * ```
   */
  stats(): VectorIndexStats {
    const action = "read VectorIndex stats";
    const out = new Float64Array(STAT_FIELDS.length);
    const written = unwrap(
      this.#native.offheap_index_stats(this.#live(action), out, out.length),
      action,
      "VectorIndex",
    );
    if (written !== STAT_FIELDS.length) {
      throw new Error(
        `liboffheap reports ${written} index stats, this facade knows ${STAT_FIELDS.length}: mismatched builds`,
      );
    }
    const record: Record<string, unknown> = {};
    STAT_FIELDS.forEach((name, index) => (record[name] = out[index]));
    record.metric = metricName(out[STAT_FIELDS.indexOf("metric")]);
    record.storage = ELEMENTS[out[STAT_FIELDS.indexOf("storage")]].name;
    record.rerank = out[STAT_FIELDS.indexOf("rerank")] === 1;
    record.readOnly = out[STAT_FIELDS.indexOf("readOnly")] === 1;
    return record as unknown as VectorIndexStats;
  }

  /**
   * Writes the index to `path` (replacing the file whole, never half-written).
   *
   * @returns The bytes written.
   * @throws {OffheapError} `IO_FAILED` when the file cannot be written.
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using index = new VectorIndex({ dim: 2 });
   * index.add(1, new Float32Array([1, 2]));
   * assert.ok(index.save(`${Deno.makeTempDirSync()}/one.hnsw`) > 0);
   * ```
   */
  save(path: string): number {
    const action = `save VectorIndex to ${describe(path)}`;
    const bytes = pathBytes("save VectorIndex", path);
    return unwrap(this.#native.offheap_index_save(this.#live(action), bytes, bytes.length), action, "file");
  }

  /**
   * A descriptor to post to a Worker, which opens the same index with `VectorIndex.open`. The
   * index lives until every object opened on it (this one included) is freed.
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using index = new VectorIndex({ dim: 1 });
   * assert.equal(index.share().kind, "offheap.vector-index");
   * ```
   */
  share(): VectorIndexDescriptor {
    return { kind: INDEX_DESCRIPTOR_KIND, handle: this.#live("share VectorIndex") };
  }

  /**
   * Drops this object's reference; the last one frees the native memory. Idempotent; later calls
   * on this object throw `USE_AFTER_FREE`.
   *
   * @example
   * ```ts
   * import { VectorIndex } from "@offheap/offheap";
   * const index = new VectorIndex({ dim: 1 });
   * index.free();
   * index.free();
   * ```
   */
  free(): void {
    if (this.#handle === 0) return;
    const handle = this.#handle;
    this.#handle = 0;
    unwrap(this.#native.offheap_index_release(handle), "free VectorIndex", `handle ${handle}`);
  }

  /** Frees the index at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.free();
  }
}
