/**
 * A store's input vectors: checked against its input type and dim (one vector, or a batch given as
 * a list or packed in one array), and written into the storage type: a copy when the types match,
 * else the f32 conversion of the element table (f16, i8 with the store's scale, packed sign bits).
 * Also the i8 rules: only finite values can be quantized, and the scale a store fixes from its first
 * batch with a nonzero value when `options.scale` does not give it.
 *
 * @module
 */
import { expectFinite, largestMagnitude, quantize } from "../vectors/quantize.ts";
import { elementCodeOf, ELEMENTS, F32, I8, type VectorArray } from "../vectors/elements.ts";
import { kindOf } from "../vectors/checks.ts";
import type { StoreShape } from "./options.ts";

/** Checks one input vector and returns it. */
export function checkVector(shape: StoreShape, action: string, name: string, vector: unknown): VectorArray {
  const { inputCode, dim } = shape;
  if (elementCodeOf(vector) !== inputCode) {
    const input = ELEMENTS[inputCode];
    throw new TypeError(
      `Cannot ${action}: ${name} must be a ${input.Array.name} (this store's type ${input.name}), got ${kindOf(vector)}`,
    );
  }
  const array = vector as VectorArray;
  if (array.length !== dim) {
    throw new RangeError(`Cannot ${action}: ${name} must have length dim ${dim}, got ${array.length}`);
  }
  return array;
}

/** Splits a batch (a list of vectors, or one packed array) into checked vectors. */
export function splitBatch(shape: StoreShape, action: string, batch: unknown): VectorArray[] {
  const { inputCode, dim } = shape;
  if (Array.isArray(batch)) return batch.map((vector, index) => checkVector(shape, action, `rows[${index}]`, vector));
  if (elementCodeOf(batch) !== inputCode) {
    throw new TypeError(
      `Cannot ${action}: rows must be an array of vectors or a packed ${ELEMENTS[inputCode].Array.name}, got ${kindOf(batch)}`,
    );
  }
  const packed = batch as VectorArray;
  if (packed.length % dim !== 0) {
    throw new RangeError(`Cannot ${action}: a packed batch's length ${packed.length} is not a multiple of dim ${dim}`);
  }
  const list: VectorArray[] = [];
  for (let start = 0; start < packed.length; start += dim) list.push(packed.subarray(start, start + dim));
  return list;
}

/** Whether the store quantizes f32 input to i8 (and so has a scale). */
function quantizesToI8(shape: StoreShape): boolean {
  return shape.code === I8 && shape.inputCode === F32;
}

/**
 * Writes `vector` (input type) into `target` (storage type), converting as the storage asks. An i8
 * store's scale is unset only while every value it was given is zero, which any scale stores
 * exactly, so 1 stands in for it then.
 */
export function encodeVector(shape: StoreShape, scale: number | undefined, vector: VectorArray, target: VectorArray): void {
  if (shape.code === shape.inputCode) target.set(vector as Float32Array);
  else ELEMENTS[shape.code].fromF32!(vector as Float32Array, scale ?? 1, target);
}

/**
 * Throws a RangeError naming the first NaN or ±Infinity of `list` when the store quantizes to i8:
 * no scale maps them to an integer. Called before a batch changes anything, so a refused batch
 * adds no row. `name` names the vector, or the batch (then indexed, as `rows[2]`).
 */
export function expectQuantizable(shape: StoreShape, action: string, name: string, list: readonly VectorArray[], batch: boolean): void {
  if (!quantizesToI8(shape)) return;
  for (let index = 0; index < list.length; index++) {
    expectFinite(action, batch ? `${name}[${index}]` : name, list[index] as Float32Array);
  }
}

/**
 * The i8 scale after adding `list`: for f32 input stored as i8 with no scale yet, `127 / max |x|`
 * over the whole batch, or still unset (undefined) when the batch is all zeros, so that a first
 * batch of zeros never fixes a degenerate scale; otherwise `scale` unchanged.
 */
export function scaleFor(shape: StoreShape, scale: number | undefined, list: readonly VectorArray[]): number | undefined {
  if (!quantizesToI8(shape) || scale !== undefined) return scale;
  let largest = 0;
  for (const vector of list) largest = Math.max(largest, largestMagnitude(vector as Float32Array));
  return largest === 0 ? undefined : 127 / largest;
}

/**
 * The scale to quantize a search query with: the store's, or while it is unset (every stored row
 * is zero) the query's own, so that scores still come back in f32 units.
 */
export function queryScale(shape: StoreShape, scale: number | undefined, query: VectorArray): number | undefined {
  if (!quantizesToI8(shape) || scale !== undefined) return scale;
  return quantize.i8Scale(query as Float32Array);
}
