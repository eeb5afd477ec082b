/**
 * The one table of the kernels' element types (f32, f16, i8, binary) and of their metrics: what
 * the library numbers them, the typed array that holds each, its bytes, how f32 input converts to
 * it. The facade, `quantize`, `VectorStore` and `ParallelSearch` all read these tables instead of
 * keeping their own copies, so a new element type is one row here (plus its kernel calls).
 *
 * @module
 */
import type { OffheapBuffer } from "../heap/buffer.ts";
import { describe } from "../errors.ts";
import { quantize } from "./quantize.ts";

/** The element types of the kernels. */
export type ElementType = "f32" | "f16" | "i8" | "binary";

/** The typed arrays that hold vectors: f32, f16 bits, i8 and packed bits. */
export type VectorArray = Float32Array | Uint16Array | Int8Array | Uint8Array;

/** How two vectors are compared. `hamming` is for binary vectors only, the rest for the others. */
export type Metric = "dot" | "l2sq" | "cosine" | "cosineDistance" | "hamming";

/** One element type, as the facade knows it. */
export interface ElementSpec {
  /** Its name, which is also the suffix of its kernel symbols (`offheap_topk_<name>`). */
  readonly name: ElementType;
  /** Bytes per element. */
  readonly bytes: number;
  /** The typed array that holds it. */
  readonly Array: { new (length: number): VectorArray; readonly name: string };
  /** How many f32 input values one stored element holds (8 sign bits per binary byte). */
  readonly valuesPerElement: number;
  /** The typed view of off-heap memory holding elements of this type. */
  view(buffer: OffheapBuffer): VectorArray;
  /** Converts f32 `values` into `out` (`scale` is used by i8 only); null for f32 itself. */
  readonly fromF32: ((values: Float32Array, scale: number, out: VectorArray) => void) | null;
}

/** Element type codes, as the library numbers them. */
export const F32 = 0;
/** f16 element code. */
export const F16 = 1;
/** i8 element code. */
export const I8 = 2;
/** Binary element code. */
export const BINARY = 3;

/** The element types, indexed by their codes. */
export const ELEMENTS: readonly ElementSpec[] = [
  {
    name: "f32",
    bytes: 4,
    Array: Float32Array,
    valuesPerElement: 1,
    view: (buffer) => buffer.f32(),
    fromF32: null,
  },
  {
    name: "f16",
    bytes: 2,
    Array: Uint16Array,
    valuesPerElement: 1,
    view: (buffer) => buffer.u16(),
    fromF32: (values, _scale, out) => quantize.f16(values, out as Uint16Array),
  },
  {
    name: "i8",
    bytes: 1,
    Array: Int8Array,
    valuesPerElement: 1,
    view: (buffer) => buffer.i8(),
    fromF32: (values, scale, out) => quantize.i8(values, scale, out as Int8Array),
  },
  {
    name: "binary",
    bytes: 1,
    Array: Uint8Array,
    valuesPerElement: 8,
    view: (buffer) => buffer.bytes(),
    fromF32: (values, _scale, out) => quantize.binary(values, out as Uint8Array),
  },
];

/** The element code of a vector array, or −1. */
export function elementCodeOf(value: unknown): number {
  for (let code = 0; code < ELEMENTS.length; code++) if (value instanceof ELEMENTS[code].Array) return code;
  return -1;
}

/** The element code named `value`; throws a RangeError naming the option `name` otherwise. */
export function elementTypeCode(action: string, name: string, value: unknown): number {
  const code = ELEMENTS.findIndex((element) => element.name === value);
  if (code < 0) {
    const names = ELEMENTS.map((element) => `"${element.name}"`);
    const list = `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
    throw new RangeError(`Cannot ${action}: ${name} must be ${list}, got ${describe(value)}`);
  }
  return code;
}

/** Metric codes, as the library numbers them. */
export const METRICS: Readonly<Record<Metric, number>> = { dot: 0, l2sq: 1, cosine: 2, hamming: 3, cosineDistance: 4 };
/** The metric names, by code. */
const METRIC_NAMES: readonly Metric[] = (Object.keys(METRICS) as Metric[]).sort((a, b) => METRICS[a] - METRICS[b]);
/** Whether larger scores are better, by metric code. */
export const LARGER_IS_BETTER: readonly boolean[] = [true, false, true, false, false];

/** The name of metric code `code`. */
export function metricName(code: number): Metric {
  return METRIC_NAMES[code];
}
