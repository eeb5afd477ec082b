/**
 * Argument checks shared by the kernels' facade, `VectorStore` and `ParallelSearch`: vector arrays
 * and their element types, integers in a range, the dim, the metric and k. Each throws a
 * `TypeError` for a wrong type and a `RangeError` for a value out of range, naming the argument.
 *
 * @module
 */
import { describe } from "../errors.ts";
import { BINARY, elementCodeOf, ELEMENTS, type Metric, METRICS } from "./elements.ts";

/** The largest dim the kernels accept. */
export const DIM_MAX = 65536;
/** The largest k of a top-k selection. */
export const K_MAX = 1024;
/** The largest address: the allocator keeps every mapping below 2^47. */
export const ADDRESS_MAX = 2 ** 47 - 1;
/** The largest row count or stride. */
export const U32_MAX = 2 ** 32 - 1;

/** Names a value's kind for an error message: the typed array's name, or its type and value. */
export function kindOf(value: unknown): string {
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (Array.isArray(value)) return "Array";
  return value === null ? "null" : typeof value === "object" ? Object.prototype.toString.call(value) : `${typeof value} ${describe(value)}`;
}

/** The element code of `value`, which must be a vector array (binary only when `binary`). */
export function expectVector(action: string, name: string, value: unknown, binary: boolean | undefined): number {
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
export function expectSameType(action: string, name: string, value: unknown, code: number, like: string): void {
  if (elementCodeOf(value) !== code) {
    throw new TypeError(`Cannot ${action}: ${name} must be a ${ELEMENTS[code].Array.name} like ${like}, got ${kindOf(value)}`);
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
      `Cannot ${action}: metric "${metric}" does not apply to ${ELEMENTS[code].name} vectors (${
        code === BINARY ? "binary vectors support only hamming" : "hamming needs binary vectors, a Uint8Array"
      })`,
    );
  }
  return value;
}

/** Checks k against 1..min(1024, rows). */
export function expectK(action: string, k: unknown, rows: number): number {
  expectIntegerIn(action, "k", k, 1, K_MAX);
  if ((k as number) > rows) {
    throw new RangeError(`Cannot ${action}: k must be at most the row count ${rows}, got ${k}`);
  }
  return k as number;
}
