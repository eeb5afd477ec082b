/**
 * Scans: one query (or packed queries) against rows of a matrix. `scanOf` checks a query, a matrix
 * (a typed array, or off-heap memory by address) and the scan options once, into the {@linkcode Scan}
 * the kernel calls take; `ParallelSearch` checks its slices with it too.
 *
 * @module
 */
import { OffheapError } from "../errors.ts";
import { ELEMENTS, type Metric, type VectorArray } from "./elements.ts";
// deno-lint-ignore no-unused-vars -- referenced by the {@linkcode Vectors.many} links below
import type { Vectors } from "./vectors.ts";
import { ADDRESS_MAX, expectDim, expectIntegerIn, expectSameType, expectVector, kindOf, metricCode, U32_MAX } from "./checks.ts";

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
    address = expectIntegerIn(action, "matrix.address", ref.address, 1, ADDRESS_MAX);
    if (ref.byteLength !== undefined) available = Math.floor(ref.byteLength / ELEMENTS[code].bytes);
  } else {
    throw new TypeError(
      `Cannot ${action}: matrix must be a ${ELEMENTS[code].Array.name} or off-heap memory ({ address }), got ${kindOf(matrix)}`,
    );
  }
  if (available === undefined && wanted === undefined) {
    throw new TypeError(`Cannot ${action}: rows must be given for a matrix that has no byteLength`);
  }
  if (array !== null && wanted === undefined) expectWholeRows(action, array.length, dim, stride);
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

/**
 * Throws a RangeError unless a typed-array matrix of `length` elements holds a whole number of rows
 * (`rows · stride`, or `(rows − 1) · stride + dim` when the last row has no padding), so that a
 * scan never silently ignores a tail. Without `options.rows` the row count comes from the length;
 * with it, the caller chose how many rows to read and the rest of the array is not ours to judge.
 */
function expectWholeRows(action: string, length: number, dim: number, stride: number): void {
  if (length % stride === 0 || (length >= dim && (length - dim) % stride === 0)) return;
  const shape = stride === dim ? `dim ${dim}` : `dim ${dim} and stride ${stride}`;
  throw new RangeError(
    `Cannot ${action}: matrix.length ${length} is not a whole number of rows of ${shape} (pass options.rows to scan a prefix)`,
  );
}

export function expectOut(action: string, out: unknown, length: number): Float32Array {
  if (out === undefined || out === null) return new Float32Array(length);
  if (!(out instanceof Float32Array)) throw new TypeError(`Cannot ${action}: out must be a Float32Array, got ${kindOf(out)}`);
  if (out.length < length) throw new RangeError(`Cannot ${action}: out must hold at least ${length} scores, got ${out.length}`);
  return out;
}
