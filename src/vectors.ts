/**
 * Vector math over typed arrays, run by the SIMD kernels the library chose for this CPU.
 *
 * @module
 */
import { library } from "./ffi/load.ts";

/** The kernel levels, in the order the library numbers them. */
const LEVELS = ["baseline", "avx2", "avx512"] as const;

/** A SIMD level the kernels can run at. */
export type SimdLevel = typeof LEVELS[number];

function expectFloat32(action: string, name: string, value: unknown): asserts value is Float32Array {
  if (!(value instanceof Float32Array)) {
    throw new TypeError(`Cannot ${action}: ${name} must be a Float32Array, got ${Object.prototype.toString.call(value)}`);
  }
}

/** Vector kernels. */
export interface Vectors {
  /**
   * The SIMD level the kernels run at (lowered by `OFFHEAP_SIMD`).
   *
   * @example
   * ```ts
   * import { vectors } from "@offheap/offheap";
   * console.log(vectors.cpu()); // "avx512" on a Zen 4
   * ```
   */
  cpu(): SimdLevel;

  /**
   * The dot product of two f32 vectors of equal length.
   *
   * @throws {TypeError} If an argument is not a Float32Array.
   * @throws {RangeError} If the lengths differ.
   *
   * @example
   * ```ts
   * import { vectors } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.equal(vectors.dot(new Float32Array([1, 2, 3]), new Float32Array([4, 5, 6])), 32);
   * ```
   */
  dot(a: Float32Array, b: Float32Array): number;
}

/**
 * SIMD distance kernels.
 *
 * @example
 * ```ts
 * import { vectors } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * assert.equal(vectors.dot(new Float32Array([2]), new Float32Array([3])), 6);
 * ```
 */
export const vectors: Vectors = {
  cpu: () => LEVELS[library().native.offheap_simd_level()],
  dot(a: Float32Array, b: Float32Array): number {
    expectFloat32("compute dot", "a", a);
    expectFloat32("compute dot", "b", b);
    if (a.length !== b.length) {
      throw new RangeError(`Cannot compute dot: lengths differ, a has ${a.length} and b has ${b.length}`);
    }
    return library().native.offheap_dot_f32(a, b, a.length);
  },
};
