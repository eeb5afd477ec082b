/**
 * A store's input vectors: checked against its input type and dim (one vector, or a batch given as
 * a list or packed in one array), and written into the storage type: a copy when the types match,
 * else the f32 conversion of the element table (f16, i8 with the store's scale, packed sign bits).
 * Also the i8 scale a store fixes from its first batch when `options.scale` does not give it.
 *
 * @module
 */
import { quantize } from "../vectors/quantize.ts";
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

/** Writes `vector` (input type) into `target` (storage type), converting as the storage asks. */
export function encodeVector(shape: StoreShape, scale: number | undefined, vector: VectorArray, target: VectorArray): void {
  if (shape.code === shape.inputCode) target.set(vector as Float32Array);
  else ELEMENTS[shape.code].fromF32!(vector as Float32Array, scale!, target);
}

/**
 * The i8 scale to fix before adding `list`: `127 / max |x|` over the batch (1 when it is all 0) for
 * f32 input stored as i8 with no scale yet; otherwise `scale` unchanged.
 */
export function scaleFor(shape: StoreShape, scale: number | undefined, list: readonly VectorArray[]): number | undefined {
  if (shape.code !== I8 || shape.inputCode !== F32 || scale !== undefined) return scale;
  let fixed = Infinity;
  for (const vector of list) fixed = Math.min(fixed, quantize.i8Scale(vector as Float32Array));
  return fixed === Infinity ? 1 : fixed;
}
