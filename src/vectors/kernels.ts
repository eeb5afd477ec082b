/**
 * The kernel calls behind `vectors`: pair scores, one-to-many and many-to-many scans, top-k and the
 * bandwidth yardstick, each checked by scan.ts and checks.ts and then sent to one native function.
 *
 * Every FFI call site here calls exactly one native function (DESIGN §3: a call site that sees
 * several FFI functions loses the fast call), so the dispatch on element type is a `switch` with
 * one call per case, never a helper that is handed different symbols. The cases follow the codes of
 * the element table (elements.ts), whose names are the symbols' suffixes.
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import { nativeScoreF32 } from "../ffi/hot.ts";
import type { Native } from "../ffi/symbols.ts";
import { describe, nativeFailure, OffheapError } from "../errors.ts";
import { F16, F32, I8, METRICS, type VectorArray } from "./elements.ts";
import { ADDRESS_MAX, DIM_MAX, expectDim, expectIntegerIn, expectK, expectSameType, expectVector, kindOf, U32_MAX } from "./checks.ts";
import { type CrossOptions, expectOut, type Matrix, type MatrixAddress, type Scan, scanOf, type ScanOptions } from "./scan.ts";

/** The best rows of a search, best first. */
export interface SearchResult {
  /** Row indices (or, from a `VectorStore`, vector ids). */
  ids: Uint32Array;
  /** Their scores, in the metric's units. */
  scores: Float32Array;
}

let loaded: Native | undefined;
/** The native functions, looked up once. */
export function native(): Native {
  return loaded ??= library().native;
}

/** Pair score: validation, then one native call per element type. */
export function pair(action: string, metric: number, a: VectorArray, b: VectorArray): number {
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

/** Throws for a negative status of a scan (not `unwrap`: the subject is formatted only on failure). */
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

export function many(query: VectorArray, matrix: Matrix, out?: Float32Array | null, options: ScanOptions = {}): Float32Array {
  const action = "compute many";
  const scan = scanOf(action, query, matrix, options, query?.length);
  const target = expectOut(action, out, scan.rows);
  if (scan.rows > 0) check(action, callMany(query, scan, target), scan);
  return target;
}

export function cross(queries: VectorArray, matrix: Matrix, out: Float32Array | null | undefined, options: CrossOptions): Float32Array {
  const action = "compute cross";
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot ${action}: options must be an object with dim, got ${kindOf(options)}`);
  }
  // The queries' shape first: a matrix of the same wrong dim would otherwise be blamed for it.
  const dim = expectDim(action, "dim", options.dim);
  if (ArrayBuffer.isView(queries) && queries.length % dim !== 0) {
    throw new RangeError(`Cannot ${action}: queries.length ${queries.length} is not a multiple of dim ${dim}`);
  }
  const scan = scanOf(action, queries, matrix, options, dim);
  const count = queries.length / scan.dim;
  const target = expectOut(action, out, count * scan.rows);
  if (count > 0 && scan.rows > 0) check(action, callCross(queries, count, scan, target), scan);
  return target;
}

export function topK(query: VectorArray, matrix: Matrix, k: number, options: ScanOptions = {}): SearchResult {
  const action = "compute topK";
  const scan = scanOf(action, query, matrix, options, query?.length);
  expectK(action, k, scan.rows);
  const ids = new Uint32Array(k);
  const scores = new Float32Array(k);
  check(action, callTopK(query, scan, k, ids, scores), scan);
  return { ids, scores };
}

export function streamSum(matrix: MatrixAddress | Float32Array, count?: number): number {
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
  // The same rule as a scan's matrix.address (scan.ts): an address is an integer below 2^47.
  expectIntegerIn(action, "data.address", matrix.address, 1, ADDRESS_MAX);
  const fits = matrix.byteLength === undefined ? U32_MAX : Math.min(U32_MAX, Math.floor(matrix.byteLength / 4));
  const length = count ?? (matrix.byteLength === undefined ? undefined : fits);
  expectIntegerIn(action, "count", length, 0, fits);
  const status = native().offheap_stream_sum_f32_at(matrix.address, length as number, streamSumOut);
  if (status < 0) throw nativeFailure(action, status, `${length} f32 at address ${describe(matrix.address)}`);
  return streamSumOut[0];
}

/** Where `offheap_stream_sum_f32_at` writes its sum: one array for every call, read right after it. */
const streamSumOut = new Float32Array(1);
