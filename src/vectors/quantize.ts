/**
 * Conversions from f32 to the compact element types the kernels read: IEEE half floats (f16,
 * stored as `Uint16Array` bit patterns), symmetric 8-bit integers (i8) and packed sign bits
 * (binary). A `VectorStore` with `storage: "f16" | "i8" | "binary"` uses them on every row and
 * query; they are exported for building compact queries by hand.
 *
 * - **f16**: round to nearest, ties to even; overflow (beyond ±65504) becomes ±Infinity, ±Infinity
 *   stays ±Infinity and NaN stays NaN (a quiet f16 NaN). The kernels then score such a row NaN (or
 *   ±Infinity), and top-k ranks NaN last.
 * - **i8**: `q = clamp(round(x · scale), −127, 127)`, ties away from zero. The scale is symmetric
 *   (no zero point), so a dot product of two quantized vectors is `dot(x, y) · scale²` and squared
 *   L2 is `l2sq(x, y) · scale²`; cosine is unchanged. {@linkcode Quantize.i8Scale} picks
 *   `127 / max |x|`, which maps the largest magnitude seen to ±127. NaN and ±Infinity have no i8
 *   value: `i8` refuses them with a RangeError rather than storing an arbitrary integer.
 * - **binary**: bit `i % 8` (least significant first) of byte `⌊i / 8⌋` is 1 when `x[i] > 0`;
 *   the last byte's unused bits are 0. Hamming distance between such codes approximates angle.
 *
 * @module
 */

const F16Array = (globalThis as unknown as { Float16Array?: Float32ArrayConstructor }).Float16Array;

const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/** The f16 bit pattern nearest to `value` (ties to even), computed without Float16Array. */
export function f16BitsOf(value: number): number {
  scratchFloat[0] = value;
  const bits = scratchBits[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 112;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    const shift = 14 - halfExponent;
    const full = mantissa | 0x800000;
    const kept = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (kept + (rest > half || (rest === half && (kept & 1) === 1) ? 1 : 0));
  }
  const kept = (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly moves to the next exponent (or to Infinity).
  return sign | (kept + (rest > 0x1000 || (rest === 0x1000 && (kept & 1) === 1) ? 1 : 0));
}

/** The number an f16 bit pattern stands for. */
export function f16ValueOf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa !== 0 ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function expectFloat32(action: string, name: string, value: unknown): asserts value is Float32Array {
  if (!(value instanceof Float32Array)) {
    throw new TypeError(`Cannot ${action}: ${name} must be a Float32Array, got ${Object.prototype.toString.call(value)}`);
  }
}

function outputOf<T extends Uint16Array | Int8Array | Uint8Array | Float32Array>(
  action: string,
  out: T | undefined,
  Kind: { new (length: number): T; name: string },
  length: number,
): T {
  if (out === undefined) return new Kind(length);
  if (!(out instanceof Kind) || out.length < length) {
    throw new TypeError(
      `Cannot ${action}: out must be a ${Kind.name} of at least ${length} elements, got ${
        Object.prototype.toString.call(out)
      } of length ${(out as { length?: unknown })?.length}`,
    );
  }
  return out;
}

/** f32 → compact conversions. */
export interface Quantize {
  /**
   * Converts f32 values to f16 bit patterns (round to nearest, ties to even).
   *
   * @param values The f32 values.
   * @param out Where to write (at least `values.length` elements); a new array when omitted.
   * @returns `out`, holding the f16 bits.
   * @throws {TypeError} If `values` is not a Float32Array or `out` is too short.
   *
   * @example
   * ```ts
   * import { quantize } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.deepEqual([...quantize.f16(new Float32Array([1, -2, 0.5]))], [0x3c00, 0xc000, 0x3800]);
   * ```
   */
  f16(values: Float32Array, out?: Uint16Array): Uint16Array;

  /**
   * Converts f16 bit patterns back to f32 (exact: every f16 value is an f32 value).
   *
   * @example
   * ```ts
   * import { quantize } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.deepEqual([...quantize.f16ToF32(new Uint16Array([0x3c00, 0xc000]))], [1, -2]);
   * ```
   */
  f16ToF32(bits: Uint16Array, out?: Float32Array): Float32Array;

  /**
   * The symmetric i8 scale that maps the largest magnitude in `values` to 127: `127 / max |x|`
   * (1 when every value is 0). Infinities and NaN are ignored.
   *
   * @example
   * ```ts
   * import { quantize } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.equal(quantize.i8Scale(new Float32Array([0.5, -2, 1])), 63.5);
   * ```
   */
  i8Scale(values: Float32Array): number;

  /**
   * Quantizes f32 values to i8: `clamp(round(x · scale), −127, 127)`, ties away from zero.
   *
   * @param values The f32 values, all finite.
   * @param scale A positive finite multiplier, usually from {@linkcode Quantize.i8Scale}.
   * @param out Where to write; a new array when omitted.
   * @throws {RangeError} If `scale` is not a positive finite number, or a value is NaN or ±Infinity
   *   (nothing is written then).
   *
   * @example
   * ```ts
   * import { quantize } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.deepEqual([...quantize.i8(new Float32Array([1, -0.5, 3]), 100)], [100, -50, 127]);
   * ```
   */
  i8(values: Float32Array, scale: number, out?: Int8Array): Int8Array;

  /**
   * Packs the sign of each value into bits (1 when `x > 0`), least significant bit first:
   * `ceil(values.length / 8)` bytes, the input to hamming.
   *
   * @example
   * ```ts
   * import { quantize } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.deepEqual([...quantize.binary(new Float32Array([1, -1, 2, 0, 0, 0, 0, 0, 5]))], [0b101, 1]);
   * ```
   */
  binary(values: Float32Array, out?: Uint8Array): Uint8Array;
}

function f16(values: Float32Array, out?: Uint16Array): Uint16Array {
  expectFloat32("convert to f16", "values", values);
  const target = outputOf("convert to f16", out, Uint16Array, values.length);
  if (F16Array) {
    new F16Array(target.buffer, target.byteOffset, values.length).set(values);
    return target;
  }
  for (let index = 0; index < values.length; index++) target[index] = f16BitsOf(values[index]);
  return target;
}

function f16ToF32(bits: Uint16Array, out?: Float32Array): Float32Array {
  if (!(bits instanceof Uint16Array)) {
    throw new TypeError(`Cannot convert from f16: bits must be a Uint16Array, got ${Object.prototype.toString.call(bits)}`);
  }
  const target = outputOf("convert from f16", out, Float32Array, bits.length);
  if (F16Array) {
    target.set(new F16Array(bits.buffer, bits.byteOffset, bits.length));
    return target;
  }
  for (let index = 0; index < bits.length; index++) target[index] = f16ValueOf(bits[index]);
  return target;
}

/** The largest finite magnitude in `values` (0 when there is none); NaN and ±Infinity are skipped. */
export function largestMagnitude(values: Float32Array): number {
  let largest = 0;
  for (let index = 0; index < values.length; index++) {
    const magnitude = Math.abs(values[index]);
    if (magnitude > largest && magnitude !== Infinity) largest = magnitude;
  }
  return largest;
}

function i8Scale(values: Float32Array): number {
  expectFloat32("compute an i8 scale", "values", values);
  const largest = largestMagnitude(values);
  return largest === 0 ? 1 : 127 / largest;
}

/** The index of the first NaN or ±Infinity in `values`, or −1 when every value is finite. */
export function firstNonFinite(values: Float32Array): number {
  for (let index = 0; index < values.length; index++) {
    // x − x is 0 for every finite x and NaN for NaN and ±Infinity: one subtraction per value.
    if (values[index] - values[index] !== 0) return index;
  }
  return -1;
}

/** Throws a RangeError naming the first NaN or ±Infinity of `values` (`name[index]`), which i8 cannot hold. */
export function expectFinite(action: string, name: string, values: Float32Array): void {
  const index = firstNonFinite(values);
  if (index < 0) return;
  throw new RangeError(
    `Cannot ${action}: ${name}[${index}] is ${values[index]}; only finite values can be quantized to i8`,
  );
}

/** Throws a RangeError unless `scale` is a positive finite number. */
export function expectScale(action: string, scale: unknown): asserts scale is number {
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(`Cannot ${action}: scale must be a positive finite number, got ${String(scale)}`);
  }
}

function i8(values: Float32Array, scale: number, out?: Int8Array): Int8Array {
  expectFloat32("quantize to i8", "values", values);
  expectScale("quantize to i8", scale);
  expectFinite("quantize to i8", "values", values);
  const target = outputOf("quantize to i8", out, Int8Array, values.length);
  for (let index = 0; index < values.length; index++) {
    const scaled = values[index] * scale;
    const rounded = scaled < 0 ? -Math.round(-scaled) : Math.round(scaled);
    target[index] = rounded > 127 ? 127 : rounded < -127 ? -127 : rounded;
  }
  return target;
}

function binary(values: Float32Array, out?: Uint8Array): Uint8Array {
  expectFloat32("pack bits", "values", values);
  const bytes = Math.ceil(values.length / 8);
  const target = outputOf("pack bits", out, Uint8Array, bytes);
  target.fill(0, 0, bytes);
  for (let index = 0; index < values.length; index++) {
    if (values[index] > 0) target[index >>> 3] |= 1 << (index & 7);
  }
  return target;
}

/**
 * f32 → f16, i8 and binary conversions, as a `VectorStore` with compact storage applies them.
 *
 * @example Quantize a query for an i8 store by hand
 * ```ts
 * import { quantize, vectors } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * const x = new Float32Array([0.25, -0.5, 1]);
 * const scale = quantize.i8Scale(x);
 * const q = quantize.i8(x, scale);
 * assert.ok(Math.abs(vectors.dot(q, q) / scale ** 2 - 1.3125) < 0.01);
 * ```
 */
export const quantize: Quantize = { f16, f16ToF32, i8Scale, i8, binary };
