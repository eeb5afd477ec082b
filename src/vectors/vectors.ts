/**
 * Vector math run by the SIMD kernels the library chose for this CPU at load (see
 * zig/src/abi/vectors.zig): pair scores, one-to-many and many-to-many scans, and top-k selection
 * inside the scan.
 *
 * The element type follows the typed array:
 *
 * | array | element type | metrics |
 * |---|---|---|
 * | `Float32Array` | f32 | dot, l2sq, cosine, cosineDistance |
 * | `Uint16Array` | f16 (IEEE half bit patterns) | dot, l2sq, cosine, cosineDistance |
 * | `Int8Array` | i8 (exact integer sums) | dot, l2sq, cosine, cosineDistance |
 * | `Uint8Array` | binary (packed bits; lengths count bytes) | hamming |
 *
 * Metrics: `dot` (larger is better), `l2sq` (squared L2, smaller is better), `cosine` (similarity
 * in [−1, 1], larger is better, **0 when either vector is zero**), `cosineDistance` (1 − cosine,
 * smaller is better, 1 when either vector is zero), `hamming` (differing bits, smaller is better).
 *
 * A matrix is a typed array of the query's type, or off-heap memory: an `OffheapBuffer` or any
 * `{ address, byteLength? }`. Off-heap rows are passed to the kernels by address, without creating
 * a view; the library checks on every call (one lookup, not one per row) that they lie inside ONE
 * live offheap block or region, starting at any byte of it, and throws `OffheapError` otherwise
 * (there is no unchecked form). Rows are `stride` elements apart (default: the query's length).
 * Without `options.rows`, a typed-array matrix must hold a whole number of rows.
 *
 * Accuracy (the README's "Accuracy" section has the measured table), the same at every SIMD level
 * and in every call (`many`, `cross` and `topK` score bit for bit as the pair calls do):
 *
 * - f32: products and sums in f64, rounded once to f32. `dot` and `l2sq` are within 1 ULP of the
 *   exact score (measured: 0.5) plus `(dim + 64) · 2^-53 · Σ|terms|` when the terms cancel;
 *   `cosine` and `cosineDistance` within 1 ULP plus `(dim + 2^7) · 2^-53` (absolute).
 *   Results beyond f32's range are ±Infinity; no f32 input overflows or underflows a sum.
 * - f16: products are exact, sums in f32: within 1 ULP plus about `(dim / 16 + 16) · 2^-24 · Σ|terms|`.
 * - i8: `dot` and `l2sq` are exact integers rounded once to f32; `cosine` within 1 ULP.
 *
 * This file holds the {@linkcode Vectors} interface and the `vectors` object; the kernel calls are
 * in kernels.ts, the checks in checks.ts and scan.ts, and the element types in elements.ts.
 *
 * @module
 */
import { METRICS, type VectorArray } from "./elements.ts";
import type { CrossOptions, Matrix, MatrixAddress, ScanOptions } from "./scan.ts";
import { cross, many, native, pair, type SearchResult, streamSum, topK } from "./kernels.ts";

/** A SIMD level the kernels can run at. */
export type SimdLevel = "baseline" | "avx2" | "avx512" | "neon";

/** The kernel levels, in the order the library numbers them. */
const LEVELS: readonly SimdLevel[] = ["baseline", "avx2", "avx512", "neon"];

/** Vector kernels. */
export interface Vectors {
  /**
   * The SIMD level the kernels run at: the best this CPU has, lowered by `OFFHEAP_SIMD`.
   *
   * @example
   * ```ts
   * import { vectors } from "@offheap/offheap";
   * console.log(vectors.cpu()); // "avx512" on a Zen 4
   * ```
   */
  cpu(): SimdLevel;

  /**
   * The dot product of two vectors of one element type (not binary) and equal length. f32 is
   * accumulated in f64 and rounded once: within 1 ULP of the exact sum, plus `(dim + 64) · 2^-53 · Σ|a[i]·b[i]|`
   * when the terms cancel (see the module's "Accuracy"). ±Infinity when the exact sum is beyond f32.
   *
   * @throws {TypeError} If an argument is not a Float32Array, Uint16Array or Int8Array, or the types differ.
   * @throws {RangeError} If the lengths differ, or are 0 or above 65536.
   *
   * @example
   * ```ts
   * import { vectors } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.equal(vectors.dot(new Float32Array([1, 2, 3]), new Float32Array([4, 5, 6])), 32);
   * assert.equal(vectors.dot(new Int8Array([-1, 2]), new Int8Array([3, 4])), 5);
   * ```
   */
  dot(a: Float32Array | Uint16Array | Int8Array, b: Float32Array | Uint16Array | Int8Array): number;

  /**
   * The squared Euclidean distance of two vectors of one element type (not binary). f32 is
   * accumulated in f64 and rounded once: within 1 ULP of the exact sum (its terms never cancel).
   *
   * @throws {TypeError} On a wrong or mismatched array type. @throws {RangeError} On mismatched lengths.
   *
   * @example
   * ```ts
   * import { vectors } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.equal(vectors.l2sq(new Float32Array([1, 2]), new Float32Array([4, 6])), 25);
   * ```
   */
  l2sq(a: Float32Array | Uint16Array | Int8Array, b: Float32Array | Uint16Array | Int8Array): number;

  /**
   * Cosine similarity in [−1, 1]; 0 when either vector is zero. For f32 the three sums are f64 and
   * the quotient is taken in f64: within 1 ULP plus `(dim + 2^7) · 2^-53`, at any magnitude from
   * subnormals to 3e38.
   *
   * @throws {TypeError} On a wrong or mismatched array type. @throws {RangeError} On mismatched lengths.
   *
   * @example
   * ```ts
   * import { vectors } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.equal(vectors.cosine(new Float32Array([1, 0]), new Float32Array([5, 0])), 1);
   * assert.equal(vectors.cosine(new Float32Array([0, 0]), new Float32Array([5, 0])), 0);
   * ```
   */
  cosine(a: Float32Array | Uint16Array | Int8Array, b: Float32Array | Uint16Array | Int8Array): number;

  /**
   * The number of differing bits of two packed bit vectors (exact).
   *
   * @throws {TypeError} If an argument is not a Uint8Array. @throws {RangeError} On mismatched lengths.
   *
   * @example
   * ```ts
   * import { vectors } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.equal(vectors.hamming(new Uint8Array([0b1011, 0xff]), new Uint8Array([0b0001, 0x0f])), 6);
   * ```
   */
  hamming(a: Uint8Array, b: Uint8Array): number;

  /**
   * One-to-many: `out[r]` = score of `query` against row `r` of `matrix`, in one native call.
   *
   * @param query The query; its type picks the kernels and its length is the dim.
   * @param matrix Rows of the same type: a typed array, or off-heap memory (`OffheapBuffer` or `{ address }`).
   * @param out Where scores go (at least `rows` f32); a new array when omitted or null.
   * @param options Metric, row stride, row count.
   * @returns `out`.
   * @throws {TypeError} On a wrong array type, a metric the type lacks, or an address without rows.
   * @throws {RangeError} On a bad stride/rows, a matrix too short for `rows`, a typed-array matrix
   *   that is not a whole number of rows (without `options.rows`), or `out` too short.
   * @throws {OffheapError} For an `{ address }` matrix whose rows are not inside one live offheap
   *   block or region (checked in the library on every call): `NOT_OWNED` (not offheap memory, or
   *   freed and unmapped), `USE_AFTER_FREE` (freed; also for an `OffheapBuffer` after `free()`) or
   *   `OUT_OF_BOUNDS` (starts inside one, runs past its end).
   *
   * @example Score a query against three rows
   * ```ts
   * import { vectors } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const rows = new Float32Array([1, 0, 0, 1, 1, 1]);
   * const scores = vectors.many(new Float32Array([2, 3]), rows, null, { metric: "dot" });
   * assert.deepEqual([...scores], [2, 3, 5]);
   * ```
   */
  many(query: VectorArray, matrix: Matrix, out?: Float32Array | null, options?: ScanOptions): Float32Array;

  /**
   * Many-to-many: `out[q · rows + r]` = score of packed query `q` against row `r`. Rows are read
   * once per block of queries, not once per query.
   *
   * @param queries Packed queries, `options.dim` elements each.
   * @param matrix Rows of the same type.
   * @param out At least `queries.length / dim · rows` f32; a new array when omitted or null.
   * @param options `dim` (required), metric, stride, rows.
   * @throws {RangeError} If `dim` is not a positive integer, or `queries.length` is not a multiple of it,
   *   or on any matrix `many` rejects.
   * @throws {OffheapError} For an `{ address }` matrix whose rows are not inside one live offheap
   *   block or region (checked in the library on every call): `NOT_OWNED` (not offheap memory, or
   *   freed and unmapped), `USE_AFTER_FREE` (freed; also for an `OffheapBuffer` after `free()`) or
   *   `OUT_OF_BOUNDS` (starts inside one, runs past its end).
   *
   * @example
   * ```ts
   * import { vectors } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const out = vectors.cross(new Float32Array([1, 0, 0, 1]), new Float32Array([3, 4, 5, 6]), null, { dim: 2 });
   * assert.deepEqual([...out], [3, 5, 4, 6]);
   * ```
   */
  cross(queries: VectorArray, matrix: Matrix, out: Float32Array | null | undefined, options: CrossOptions): Float32Array;

  /**
   * The `k` best rows for `query`, best first, selected inside the scan (no N-sized output). Ties
   * go to the lower row; NaN scores rank last. Equals the first `k` of a full sort.
   *
   * @param k From 1 to min(1024, rows).
   * @throws {RangeError} If `k` is below 1 or above the row count or 1024, or on any matrix `many`
   *   rejects (such as a typed array that is not a whole number of rows).
   * @throws {OffheapError} For an `{ address }` matrix whose rows are not inside one live offheap
   *   block or region (checked in the library on every call): `NOT_OWNED` (not offheap memory, or
   *   freed and unmapped), `USE_AFTER_FREE` (freed; also for an `OffheapBuffer` after `free()`) or
   *   `OUT_OF_BOUNDS` (starts inside one, runs past its end).
   *
   * @example
   * ```ts
   * import { vectors } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const rows = new Float32Array([0, 0, 5, 5, 1, 1]);
   * const { ids, scores } = vectors.topK(new Float32Array([1, 1]), rows, 2, { metric: "l2sq" });
   * assert.deepEqual([...ids], [2, 0]);
   * assert.deepEqual([...scores], [0, 2]);
   * ```
   */
  topK(query: VectorArray, matrix: Matrix, k: number, options?: ScanOptions): SearchResult;

  /**
   * Sums `count` f32 values as fast as one core reads memory: the bandwidth yardstick of the
   * benchmarks (a scan cannot beat it).
   *
   * @param data A Float32Array or off-heap memory.
   * @param count Values to read; default all of `data` (required for an address without byteLength).
   * @throws {RangeError} If `count` is not an integer from 0 to what `data` holds.
   * @throws {OffheapError} For an address whose `count` f32 are not inside one live offheap block or
   *   region: `NOT_OWNED`, `USE_AFTER_FREE` or `OUT_OF_BOUNDS`, as for {@linkcode Vectors.many}.
   *
   * @example
   * ```ts
   * import { vectors } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.equal(vectors.streamSum(new Float32Array([1, 2, 3])), 6);
   * ```
   */
  streamSum(data: Float32Array | MatrixAddress, count?: number): number;
}

/**
 * SIMD distance kernels over typed arrays and off-heap rows.
 *
 * @example
 * ```ts
 * import { heap, vectors } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using rows = heap.alloc(4 * 4 * 2, { align: 64 });
 * rows.f32().set([1, 0, 0, 0, 0, 1, 0, 0]);
 * const { ids } = vectors.topK(new Float32Array([0, 2, 0, 0]), rows, 1);
 * assert.equal(ids[0], 1);
 * ```
 */
export const vectors: Vectors = {
  cpu: () => LEVELS[native().offheap_simd_level()],
  dot: (a, b) => pair("compute dot", METRICS.dot, a, b),
  l2sq: (a, b) => pair("compute l2sq", METRICS.l2sq, a, b),
  cosine: (a, b) => pair("compute cosine", METRICS.cosine, a, b),
  hamming: (a, b) => pair("compute hamming", METRICS.hamming, a, b),
  many,
  cross,
  topK,
  streamSum,
};
