/**
 * The options of a `VectorStore`, checked once and decoded into the store's fixed shape: input and
 * storage element types, the stored row length, the metric, the i8 scale if given, and where the
 * row memory goes. Also the plain types the store's methods take and return.
 *
 * @module
 */
import { describe } from "../errors.ts";
import type { AllocOptions, HugeMode, NumaPolicy } from "../heap/options.ts";
import { type ElementType, ELEMENTS, elementTypeCode, F32, I8, type Metric, metricName, type VectorArray } from "../vectors/elements.ts";
import { expectDim, expectIntegerIn, metricCode } from "../vectors/checks.ts";
import { expectScale } from "../vectors/quantize.ts";

/** Options of a {@linkcode VectorStore}. */
export interface VectorStoreOptions {
  /** Elements per input vector (bytes for binary input): 1 to 65536. */
  dim: number;
  /** The input element type: `"f32"` (default), `"f16"`, `"i8"` or `"binary"`. */
  type?: ElementType;
  /** How rows are stored. Default: as `type`. With f32 input: `"f16"`, `"i8"` or `"binary"`. */
  storage?: ElementType;
  /** The search metric. Default `"dot"`, or `"hamming"` for binary storage. */
  metric?: Metric;
  /**
   * The i8 scale (positive). Default: `127 / max |x|` of the first batch added that holds a nonzero
   * value (until then the scale is unset and rows of zeros are stored exactly).
   */
  scale?: number;
  /** Rows to reserve up front. Default 16. */
  capacity?: number;
  /** Hugepage policy of the row memory, as `heap.alloc`'s `huge`. */
  huge?: HugeMode;
  /** The NUMA node to bind the row memory to, as `heap.alloc`'s `node`. */
  node?: number;
  /** The NUMA policy of the row memory, as `heap.alloc`'s `numa`. */
  numa?: NumaPolicy;
}

/** Options of {@linkcode VectorStore.search}. */
export interface SearchOptions {
  /** How many results: 1 to 1024. Fewer come back when the store holds fewer vectors. */
  k: number;
}

/**
 * A plain description of a store's rows, for Workers that scan them in place. Valid until the
 * store next changes (an add may move the rows) or is freed.
 */
export interface VectorStoreDescriptor {
  /** Address of the first row. */
  address: number;
  /** Rows in use. */
  rows: number;
  /** Stored elements per row (bytes for binary). */
  dim: number;
  /** Elements from one row to the next. */
  stride: number;
  /** The stored element type. */
  type: ElementType;
  /** The search metric. */
  metric: Metric;
}

/** Vectors accepted by `addBatch`, `searchBatch` and `recall`: a list, or packed in one array. */
export type VectorBatch = readonly VectorArray[] | VectorArray;

/** Rows reserved when `capacity` is not given, and the least id table. */
export const ROWS_INITIAL = 16;
/** The most rows (and ids) a store holds: row counts cross the FFI as u32. */
export const ROWS_MAX = 2 ** 32 - 1;

/** What a store's options decode to; everything but the i8 scale is fixed for the store's life. */
export interface StoreShape {
  /** Elements per input vector. */
  dim: number;
  /** The input element code. */
  inputCode: number;
  /** The stored element code. */
  code: number;
  /** Stored elements per row (`dim`, or `ceil(dim / 8)` for f32 packed into bits). */
  rowDim: number;
  /** The metric code. */
  metric: number;
  /** The metric's name. */
  metricName: Metric;
  /** The i8 scale, when `options.scale` gives it. */
  scale: number | undefined;
  /** The `heap.alloc` options of the row memory. */
  placement: AllocOptions;
  /** Rows to reserve up front. */
  capacity: number;
}

/** Checks `options` and decodes them; throws as the `VectorStore` constructor documents. */
export function shapeOf(options: VectorStoreOptions): StoreShape {
  const action = "create VectorStore";
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot ${action}: options must be an object with dim, got ${describe(options)}`);
  }
  const dim = expectDim(action, "dim", options.dim);
  const inputCode = elementTypeCode(action, "type", options.type ?? "f32");
  const code = elementTypeCode(action, "storage", options.storage ?? ELEMENTS[inputCode].name);
  if (code !== inputCode && inputCode !== F32) {
    throw new TypeError(
      `Cannot ${action}: storage ${describe(options.storage)} needs f32 input, got type ${describe(options.type)}`,
    );
  }
  const rowDim = inputCode === F32 ? Math.ceil(dim / ELEMENTS[code].valuesPerElement) : dim;
  const metric = metricCode(action, code, options.metric);
  let scale: number | undefined;
  if (options.scale !== undefined) {
    if (code !== I8 || inputCode !== F32) {
      throw new TypeError(`Cannot ${action}: scale applies only to f32 input stored as i8`);
    }
    expectScale(action, options.scale);
    scale = options.scale;
  }
  const placement: AllocOptions = {
    align: 64,
    tag: "VectorStore",
    ...(options.huge === undefined ? {} : { huge: options.huge }),
    ...(options.node === undefined ? {} : { node: options.node }),
    ...(options.numa === undefined ? {} : { numa: options.numa }),
  };
  const capacity = expectIntegerIn(action, "capacity", options.capacity ?? ROWS_INITIAL, 1, ROWS_MAX);
  return { dim, inputCode, code, rowDim, metric, metricName: metricName(metric), scale, placement, capacity };
}
