/**
 * Vector math run by the SIMD kernels the library chose for this CPU at load (see
 * zig/src/ffi_vectors.zig): pair scores, one-to-many and many-to-many scans, and top-k selection
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
 * a view. Rows are `stride` elements apart (default: the query's length).
 *
 * Every FFI call site here calls exactly one native function (DESIGN §3: a call site that sees
 * several FFI functions loses the fast call), so the dispatch on element type is a `switch` with
 * one call per case, never a helper that is handed different symbols.
 *
 * @module
 */
import { library } from "./ffi/load.ts";
import { nativeScoreF32 } from "./ffi/hot.ts";
import type { Native } from "./ffi/symbols.ts";
import { describe, nativeFailure, OffheapError } from "./errors.ts";

/** The kernel levels, in the order the library numbers them. */
const LEVELS = ["baseline", "avx2", "avx512", "neon"] as const;

/** A SIMD level the kernels can run at. */
export type SimdLevel = typeof LEVELS[number];

/** The element types of the kernels. */
export type ElementType = "f32" | "f16" | "i8" | "binary";

/** The typed arrays that hold vectors: f32, f16 bits, i8 and packed bits. */
export type VectorArray = Float32Array | Uint16Array | Int8Array | Uint8Array;

/** How two vectors are compared. `hamming` is for binary vectors only, the rest for the others. */
export type Metric = "dot" | "l2sq" | "cosine" | "cosineDistance" | "hamming";

/** Off-heap rows given by address, such as an `OffheapBuffer`. */
export interface MatrixAddress {
  /** Address of the first row. */
  readonly address: number;
  /** Bytes available from `address`; without it, `options.rows` is required. */
  readonly byteLength?: number;
  /** An `OffheapBuffer` reports `true` here once freed; such a matrix is refused. */
  readonly freed?: boolean;
}

/** Rows to scan: a typed array of the query's type, or off-heap memory. */
export type Matrix = VectorArray | MatrixAddress;

/** Options of {@linkcode Vectors.many} and {@linkcode Vectors.topK}. */
export interface ScanOptions {
  /** The metric. Default `"dot"`, or `"hamming"` for binary vectors. */
  metric?: Metric;
  /** Elements from one row's start to the next, at least the vector length. Default: the length. */
  stride?: number;
  /** Rows to scan. Default: as many as the matrix holds. Required for an address without `byteLength`. */
  rows?: number;
}

/** Options of {@linkcode Vectors.cross}. */
export interface CrossOptions extends ScanOptions {
  /** The vector length: `queries` holds `queries.length / dim` packed queries. */
  dim: number;
}

/** The best rows of a search, best first. */
export interface SearchResult {
  /** Row indices (or, from a `VectorStore`, vector ids). */
  ids: Uint32Array;
  /** Their scores, in the metric's units. */
  scores: Float32Array;
}

/** Element type codes, as the library numbers them. */
export const F32 = 0;
/** f16 element code. */
export const F16 = 1;
/** i8 element code. */
export const I8 = 2;
/** Binary element code. */
export const BINARY = 3;

/** Metric codes, as the library numbers them. */
export const METRICS: Readonly<Record<Metric, number>> = { dot: 0, l2sq: 1, cosine: 2, hamming: 3, cosineDistance: 4 };
/** The element type names by code. */
export const ELEMENT_TYPES: readonly ElementType[] = ["f32", "f16", "i8", "binary"];
/** Bytes per element, by element code. */
export const ELEMENT_BYTES: readonly number[] = [4, 2, 1, 1];
/** Whether larger scores are better, by metric code. */
export const LARGER_IS_BETTER: readonly boolean[] = [true, false, true, false, false];
/** The largest dim the kernels accept. */
export const DIM_MAX = 65536;
/** The largest k of a top-k selection. */
export const K_MAX = 1024;
const U32_MAX = 2 ** 32 - 1;
/** The typed array names, by element code. */
export const ARRAY_NAMES: readonly string[] = ["Float32Array", "Uint16Array", "Int8Array", "Uint8Array"];

let loaded: Native | undefined;
/** The native functions, looked up once. */
function native(): Native {
  return loaded ??= library().native;
}

/** Names a value's kind for an error message: the typed array's name, or its type and value. */
export function kindOf(value: unknown): string {
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (Array.isArray(value)) return "Array";
  return value === null ? "null" : typeof value === "object" ? Object.prototype.toString.call(value) : `${typeof value} ${describe(value)}`;
}

/** The element code of a vector array, or −1. */
export function elementCodeOf(value: unknown): number {
  if (value instanceof Float32Array) return F32;
  if (value instanceof Uint16Array) return F16;
  if (value instanceof Int8Array) return I8;
  if (value instanceof Uint8Array) return BINARY;
  return -1;
}

/** The element code of `value`, which must be a vector array (binary only when `binary`). */
function expectVector(action: string, name: string, value: unknown, binary: boolean | undefined): number {
  const code = elementCodeOf(value);
  if (code >= 0 && (binary === undefined || binary === (code === BINARY))) return code;
  const wanted = binary === true
    ? "a Uint8Array of packed bits"
    : binary === false
    ? "a Float32Array, Uint16Array (f16 bits) or Int8Array"
    : "a Float32Array, Uint16Array (f16 bits), Int8Array or Uint8Array (packed bits)";
  const hint = binary === false && code === BINARY ? " (binary vectors support only hamming)" : "";
  throw new TypeError(`Cannot ${action}: ${name} must be ${wanted}, got ${kindOf(value)}${hint}`);
}

/** Checks that `value` has element type `code`, like the array named `like`. */
function expectSameType(action: string, name: string, value: unknown, code: number, like: string): void {
  if (elementCodeOf(value) !== code) {
    throw new TypeError(`Cannot ${action}: ${name} must be a ${ARRAY_NAMES[code]} like ${like}, got ${kindOf(value)}`);
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function expectIntegerIn(action: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number") {
    throw new TypeError(`Cannot ${action}: ${name} must be a number, got ${kindOf(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Cannot ${action}: ${name} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** Checks a vector length (the dim) against the kernels' range. */
export function expectDim(action: string, name: string, dim: unknown): number {
  if (typeof dim !== "number") throw new TypeError(`Cannot ${action}: ${name} must be a number, got ${kindOf(dim)}`);
  if (!Number.isInteger(dim) || dim < 1 || dim > DIM_MAX) {
    throw new RangeError(`Cannot ${action}: ${name} must be a positive integer up to ${DIM_MAX}, got ${describe(dim)}`);
  }
  return dim;
}

/** The metric code of `metric` for element type `code`; the default is dot (hamming for binary). */
export function metricCode(action: string, code: number, metric: unknown): number {
  if (metric === undefined) return code === BINARY ? METRICS.hamming : METRICS.dot;
  const value = typeof metric === "string" && Object.hasOwn(METRICS, metric) ? METRICS[metric as Metric] : -1;
  if (value < 0) {
    throw new RangeError(
      `Cannot ${action}: metric must be one of ${Object.keys(METRICS).map((name) => `"${name}"`).join(", ")}, got ${
        describe(metric)
      }`,
    );
  }
  if ((value === METRICS.hamming) !== (code === BINARY)) {
    throw new TypeError(
      `Cannot ${action}: metric "${metric}" does not apply to ${ELEMENT_TYPES[code]} vectors (${
        code === BINARY ? "binary vectors support only hamming" : "hamming needs binary vectors, a Uint8Array"
      })`,
    );
  }
  return value;
}

/** Pair score: validation, then one native call per element type. */
function pair(action: string, metric: number, a: VectorArray, b: VectorArray): number {
  // The common case, checked in three comparisons and sent to a stable FFI binding.
  if (metric !== METRICS.hamming && a instanceof Float32Array && b instanceof Float32Array) {
    const length = a.length;
    if (length === b.length && length > 0 && length <= DIM_MAX) return nativeScoreF32(a, b, length, metric);
  }
  const code = expectVector(action, "a", a, metric === METRICS.hamming);
  expectSameType(action, "b", b, code, "a");
  const dim = a.length;
  if (dim !== b.length) throw new RangeError(`Cannot ${action}: lengths differ, a has ${dim} and b has ${b.length}`);
  expectDim(action, "a.length", dim);
  switch (code) {
    case F32:
      return native().offheap_score_f32(a, b, dim, metric);
    case F16:
      return native().offheap_score_f16(a, b, dim, metric);
    case I8:
      return native().offheap_score_i8(a, b, dim, metric);
    default:
      return native().offheap_score_binary(a, b, dim, metric);
  }
}

/** A checked scan: the rows' source, count and layout. */
export interface Scan {
  code: number;
  dim: number;
  stride: number;
  metric: number;
  rows: number;
  /** The typed-array matrix, or null for an address. */
  array: VectorArray | null;
  address: number;
}

/** Validates a query (or packed queries of `dim`), a matrix and scan options. */
export function scanOf(action: string, query: unknown, matrix: unknown, options: ScanOptions, dim: number): Scan {
  const code = expectVector(action, "query", query, undefined);
  expectDim(action, "dim", dim);
  const metric = metricCode(action, code, options.metric);
  const stride = options.stride === undefined ? dim : expectIntegerIn(action, "stride", options.stride, dim, U32_MAX);
  const wanted = options.rows === undefined ? undefined : expectIntegerIn(action, "rows", options.rows, 0, U32_MAX);
  let available: number | undefined;
  let array: VectorArray | null = null;
  let address = 0;
  if (ArrayBuffer.isView(matrix)) {
    expectSameType(action, "matrix", matrix, code, "query");
    array = matrix as VectorArray;
    available = array.length;
  } else if (matrix !== null && typeof matrix === "object" && typeof (matrix as MatrixAddress).address === "number") {
    const ref = matrix as MatrixAddress;
    if (ref.freed === true) {
      throw new OffheapError("USE_AFTER_FREE", `Cannot ${action}: the matrix at ${ref.address} was already freed`);
    }
    address = expectIntegerIn(action, "matrix.address", ref.address, 1, 2 ** 47 - 1);
    if (ref.byteLength !== undefined) available = Math.floor(ref.byteLength / ELEMENT_BYTES[code]);
  } else {
    throw new TypeError(
      `Cannot ${action}: matrix must be a ${ARRAY_NAMES[code]} or off-heap memory ({ address }), got ${kindOf(matrix)}`,
    );
  }
  if (available === undefined && wanted === undefined) {
    throw new TypeError(`Cannot ${action}: rows must be given for a matrix that has no byteLength`);
  }
  const fits = available === undefined ? U32_MAX : available < dim ? 0 : Math.min(U32_MAX, Math.floor((available - dim) / stride) + 1);
  const rows = wanted ?? fits;
  if (rows > fits) {
    throw new RangeError(
      `Cannot ${action}: rows ${rows} of dim ${dim} and stride ${stride} need ${
        (rows - 1) * stride + dim
      } elements, but the matrix holds ${available}`,
    );
  }
  return { code, dim, stride, metric, rows, array, address };
}

function expectOut(action: string, out: unknown, length: number): Float32Array {
  if (out === undefined || out === null) return new Float32Array(length);
  if (!(out instanceof Float32Array)) throw new TypeError(`Cannot ${action}: out must be a Float32Array, got ${kindOf(out)}`);
  if (out.length < length) throw new RangeError(`Cannot ${action}: out must hold at least ${length} scores, got ${out.length}`);
  return out;
}

function check(action: string, status: number, scan: Scan): void {
  if (status < 0) throw nativeFailure(action, status, `${scan.rows} rows of dim ${scan.dim}, stride ${scan.stride}`);
}

/** out[r] = score(query, row r): one native call per element type and matrix form. */
function callMany(q: VectorArray, s: Scan, out: Float32Array): number {
  const m = s.array;
  if (m !== null) {
    switch (s.code) {
      case F32:
        return native().offheap_many_f32(q, m, s.rows, s.dim, s.stride, s.metric, out);
      case F16:
        return native().offheap_many_f16(q, m, s.rows, s.dim, s.stride, s.metric, out);
      case I8:
        return native().offheap_many_i8(q, m, s.rows, s.dim, s.stride, s.metric, out);
      default:
        return native().offheap_many_binary(q, m, s.rows, s.dim, s.stride, s.metric, out);
    }
  }
  switch (s.code) {
    case F32:
      return native().offheap_many_f32_at(q, s.address, s.rows, s.dim, s.stride, s.metric, out);
    case F16:
      return native().offheap_many_f16_at(q, s.address, s.rows, s.dim, s.stride, s.metric, out);
    case I8:
      return native().offheap_many_i8_at(q, s.address, s.rows, s.dim, s.stride, s.metric, out);
    default:
      return native().offheap_many_binary_at(q, s.address, s.rows, s.dim, s.stride, s.metric, out);
  }
}

/** out[q · rows + r] = score(query q, row r). */
function callCross(q: VectorArray, count: number, s: Scan, out: Float32Array): number {
  const m = s.array;
  if (m !== null) {
    switch (s.code) {
      case F32:
        return native().offheap_cross_f32(q, count, m, s.rows, s.dim, s.stride, s.metric, out);
      case F16:
        return native().offheap_cross_f16(q, count, m, s.rows, s.dim, s.stride, s.metric, out);
      case I8:
        return native().offheap_cross_i8(q, count, m, s.rows, s.dim, s.stride, s.metric, out);
      default:
        return native().offheap_cross_binary(q, count, m, s.rows, s.dim, s.stride, s.metric, out);
    }
  }
  switch (s.code) {
    case F32:
      return native().offheap_cross_f32_at(q, count, s.address, s.rows, s.dim, s.stride, s.metric, out);
    case F16:
      return native().offheap_cross_f16_at(q, count, s.address, s.rows, s.dim, s.stride, s.metric, out);
    case I8:
      return native().offheap_cross_i8_at(q, count, s.address, s.rows, s.dim, s.stride, s.metric, out);
    default:
      return native().offheap_cross_binary_at(q, count, s.address, s.rows, s.dim, s.stride, s.metric, out);
  }
}

/** The k best rows into ids/scores; returns k or a negative status. */
function callTopK(q: VectorArray, s: Scan, k: number, ids: Uint32Array, scores: Float32Array): number {
  const m = s.array;
  if (m !== null) {
    switch (s.code) {
      case F32:
        return native().offheap_topk_f32(q, m, s.rows, s.dim, s.stride, s.metric, k, ids, scores);
      case F16:
        return native().offheap_topk_f16(q, m, s.rows, s.dim, s.stride, s.metric, k, ids, scores);
      case I8:
        return native().offheap_topk_i8(q, m, s.rows, s.dim, s.stride, s.metric, k, ids, scores);
      default:
        return native().offheap_topk_binary(q, m, s.rows, s.dim, s.stride, s.metric, k, ids, scores);
    }
  }
  switch (s.code) {
    case F32:
      return native().offheap_topk_f32_at(q, s.address, s.rows, s.dim, s.stride, s.metric, k, ids, scores);
    case F16:
      return native().offheap_topk_f16_at(q, s.address, s.rows, s.dim, s.stride, s.metric, k, ids, scores);
    case I8:
      return native().offheap_topk_i8_at(q, s.address, s.rows, s.dim, s.stride, s.metric, k, ids, scores);
    default:
      return native().offheap_topk_binary_at(q, s.address, s.rows, s.dim, s.stride, s.metric, k, ids, scores);
  }
}

/** Checks k against 1..min(1024, rows). */
export function expectK(action: string, k: unknown, rows: number): number {
  expectIntegerIn(action, "k", k, 1, K_MAX);
  if ((k as number) > rows) {
    throw new RangeError(`Cannot ${action}: k must be at most the row count ${rows}, got ${k}`);
  }
  return k as number;
}

function many(query: VectorArray, matrix: Matrix, out?: Float32Array | null, options: ScanOptions = {}): Float32Array {
  const action = "compute many";
  const scan = scanOf(action, query, matrix, options, query?.length);
  const target = expectOut(action, out, scan.rows);
  if (scan.rows > 0) check(action, callMany(query, scan, target), scan);
  return target;
}

function cross(queries: VectorArray, matrix: Matrix, out: Float32Array | null | undefined, options: CrossOptions): Float32Array {
  const action = "compute cross";
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot ${action}: options must be an object with dim, got ${kindOf(options)}`);
  }
  const scan = scanOf(action, queries, matrix, options, options.dim);
  if (queries.length % scan.dim !== 0) {
    throw new RangeError(`Cannot ${action}: queries.length ${queries.length} is not a multiple of dim ${scan.dim}`);
  }
  const count = queries.length / scan.dim;
  const target = expectOut(action, out, count * scan.rows);
  if (count > 0 && scan.rows > 0) check(action, callCross(queries, count, scan, target), scan);
  return target;
}

function topK(query: VectorArray, matrix: Matrix, k: number, options: ScanOptions = {}): SearchResult {
  const action = "compute topK";
  const scan = scanOf(action, query, matrix, options, query?.length);
  expectK(action, k, scan.rows);
  const ids = new Uint32Array(k);
  const scores = new Float32Array(k);
  check(action, callTopK(query, scan, k, ids, scores), scan);
  return { ids, scores };
}

function streamSum(matrix: MatrixAddress | Float32Array, count?: number): number {
  const action = "stream sum";
  if (matrix instanceof Float32Array) {
    const length = count ?? matrix.length;
    expectIntegerIn(action, "count", length, 0, matrix.length);
    return native().offheap_stream_sum_f32(matrix, length);
  }
  if (matrix === null || typeof matrix !== "object" || typeof matrix.address !== "number") {
    throw new TypeError(`Cannot ${action}: data must be a Float32Array or off-heap memory ({ address }), got ${kindOf(matrix)}`);
  }
  if (matrix.freed === true) throw new OffheapError("USE_AFTER_FREE", `Cannot ${action}: the memory at ${matrix.address} was already freed`);
  const fits = matrix.byteLength === undefined ? U32_MAX : Math.min(U32_MAX, Math.floor(matrix.byteLength / 4));
  const length = count ?? (matrix.byteLength === undefined ? undefined : fits);
  expectIntegerIn(action, "count", length, 0, fits);
  return native().offheap_stream_sum_f32_at(matrix.address, length as number);
}

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
   * The dot product of two vectors of one element type (not binary) and equal length.
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
   * The squared Euclidean distance of two vectors of one element type (not binary).
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
   * Cosine similarity in [−1, 1]; 0 when either vector is zero.
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
   * @throws {RangeError} On a bad stride/rows, a matrix too short for `rows`, or `out` too short.
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
   * @throws {RangeError} If `dim` is not a positive integer, or `queries.length` is not a multiple of it.
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
   * @throws {RangeError} If `k` is below 1 or above the row count or 1024.
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
