/**
 * The options of a `VectorIndex`, checked once and decoded into the numbers the native create
 * call takes; also the plain types its methods take and return.
 *
 * @module
 */
import { describe } from "../errors.ts";
import type { HugeMode } from "../heap/options.ts";
import { BINARY, type ElementType, elementTypeCode, F32, I8, type Metric, METRICS } from "../vectors/elements.ts";
import { expectDim, expectIntegerIn, kindOf } from "../vectors/checks.ts";
import { expectScale } from "../vectors/quantize.ts";
import type { IndexFilter } from "./filter.ts";

/** Options of a {@linkcode VectorIndex}. */
export interface VectorIndexOptions {
  /** Values per vector (vectors are always given as f32): 1 to 65536. */
  dim: number;
  /**
   * The metric, as `VectorStore`'s: `"cosine"` (default), `"cosineDistance"`, `"dot"`, `"l2sq"`, or
   * `"hamming"` (binary storage only). Cosine normalizes every vector once, then walks by dot.
   */
  metric?: Metric;
  /**
   * How vectors are stored and compared while walking the graph: `"f32"` (default), `"f16"`,
   * `"i8"` (the store's symmetric scale: `options.scale`, or `127 / max |x|` of the first batch with a
   * nonzero value) or `"binary"` (sign bits, compared by hamming).
   */
  storage?: ElementType;
  /**
   * Keep the f32 rows too and re-rank the candidates exactly with them (scores then in exact f32
   * units). Default: true for binary storage with a metric other than hamming (it needs them),
   * false otherwise (f32 storage never needs it).
   */
  rerank?: boolean;
  /** Links per node on the upper levels (twice as many on level 0): 2 to 256. Default 16. */
  m?: number;
  /** Beam width while inserting: 1 to 4096. Default 200. More is a better graph, built slower. */
  efConstruction?: number;
  /** Beam width of a search unless the search gives `ef`: 1 to 4096 (raised to k). Default 64. */
  efSearch?: number;
  /** Nodes to reserve up front (the index grows by doubling). Default 16. */
  capacity?: number;
  /** The i8 scale (positive); i8 storage only. */
  scale?: number;
  /** Hugepage policy of the index's memory, as `heap.alloc`'s `huge`. */
  huge?: HugeMode;
  /** The NUMA node to bind the index's memory to. */
  node?: number;
}

/** Options of {@linkcode VectorIndex.addBatch}. */
export interface AddBatchOptions {
  /** Native threads that link the batch into the graph: 1 to 64. Default: one per CPU (at most 16). */
  threads?: number;
  /** A label per vector (integers 0 to 2^32 − 1) for `{ labels }` filters. Default: all 0. */
  labels?: ArrayLike<number>;
}

/** Options of {@linkcode VectorIndex.add}. */
export interface AddOptions {
  /** The vector's label (an integer 0 to 2^32 − 1) for `{ labels }` filters. Default 0. */
  label?: number;
}

/** Options of {@linkcode VectorIndex.search} and `searchBatch`. */
export interface IndexSearchOptions {
  /** How many results: 1 to 1024. Fewer come back when fewer vectors (or allowed ids) exist. */
  k: number;
  /** The beam width for this search: 1 to 4096, raised to k. Default: the index's `efSearch`. */
  ef?: number;
  /** Only these ids may be returned (see {@linkcode IndexFilter}). */
  filter?: IndexFilter;
}

/** The result of one search: ids and scores (the metric's units), best first. */
export interface IndexSearchResult {
  /** The ids found, best first. */
  ids: Float64Array;
  /** Their scores, in the metric's units (like `VectorStore`'s). */
  scores: Float32Array;
}

/** What {@linkcode VectorIndex.stats} reports. */
export interface VectorIndexStats {
  /** Live vectors. */
  size: number;
  /** Graph nodes, tombstones of removed or updated vectors included. */
  nodes: number;
  /** Tombstones (cleared by a rebuild once they are half of the nodes). */
  removed: number;
  /** Levels of the graph (0 when empty). */
  levels: number;
  /** Links across all levels. */
  edges: number;
  /** Bytes of native memory the index holds (graph, rows, id map, search scratch, mapped file). */
  memoryBytes: number;
  /** Nodes the memory holds before it grows. */
  capacity: number;
  /** Values per vector. */
  dim: number;
  /** Links per node on the upper levels (2·m on level 0). */
  m: number;
  /** The beam width of insertions. */
  efConstruction: number;
  /** The default beam width of searches. */
  efSearch: number;
  /** The metric scores are in. */
  metric: Metric;
  /** How rows are stored. */
  storage: ElementType;
  /** The i8 scale (0 while unset, or for other storage). */
  scale: number;
  /** Whether f32 rows are kept for re-ranking. */
  rerank: boolean;
  /** Whether this is a read-only view of a mapped file. */
  readOnly: boolean;
}

/** The stats fields in the native order (zig/src/index/index.zig `Stat`). */
export const STAT_FIELDS = [
  "size",
  "nodes",
  "removed",
  "levels",
  "edges",
  "memoryBytes",
  "capacity",
  "dim",
  "m",
  "efConstruction",
  "efSearch",
  "metric",
  "storage",
  "scale",
  "rerank",
  "readOnly",
] as const;

/** The largest id: every non-negative integer up to 2^53 is exact in a JS number. */
export const ID_MAX = 2 ** 53;

/** `id` itself, once it is an integer from 0 to {@linkcode ID_MAX}; else a TypeError or RangeError naming it. */
export function expectId(action: string, name: string, id: unknown): number {
  if (typeof id !== "number") throw new TypeError(`Cannot ${action}: ${name} must be a number, got ${kindOf(id)}`);
  if (!Number.isInteger(id) || id < 0 || id > ID_MAX) {
    throw new RangeError(`Cannot ${action}: ${name} must be an integer from 0 to 2^53, got ${describe(id)}`);
  }
  return id;
}

/** What the options decode to: the native create call's arguments. */
export interface IndexShape {
  dim: number;
  metric: number;
  storage: number;
  m: number;
  efConstruction: number;
  efSearch: number;
  capacity: number;
  flags: number;
  node: number;
  scale: number;
}

const HUGE_FLAGS: Record<string, number> = { auto: 1, always: 2, never: 3 };

/** Checks `options` and decodes them; throws as the `VectorIndex` constructor documents. */
export function indexShapeOf(options: VectorIndexOptions): IndexShape {
  const action = "create VectorIndex";
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot ${action}: options must be an object with dim, got ${describe(options)}`);
  }
  const dim = expectDim(action, "dim", options.dim);
  const storage = elementTypeCode(action, "storage", options.storage ?? "f32");
  const metric = metricOf(action, storage, options.metric);
  const needsRows = storage === BINARY && metric !== METRICS.hamming;
  if (options.rerank !== undefined && typeof options.rerank !== "boolean") {
    throw new TypeError(`Cannot ${action}: rerank must be a boolean, got ${describe(options.rerank)}`);
  }
  const rerank = storage !== F32 && (options.rerank ?? needsRows);
  if (needsRows && !rerank) {
    throw new TypeError(`Cannot ${action}: binary storage with metric ${describe(options.metric)} needs rerank: true`);
  }
  if (metric === METRICS.hamming && rerank) {
    throw new TypeError(`Cannot ${action}: hamming scores the bits themselves; rerank does not apply`);
  }
  let scale = 0;
  if (options.scale !== undefined) {
    if (storage !== I8) throw new TypeError(`Cannot ${action}: scale applies only to i8 storage`);
    expectScale(action, options.scale);
    scale = options.scale;
  }
  let hugeFlag = 0;
  if (options.huge !== undefined) {
    if (typeof options.huge !== "string" || !(options.huge in HUGE_FLAGS)) {
      throw new RangeError(`Cannot ${action}: huge must be "auto", "always" or "never", got ${describe(options.huge)}`);
    }
    hugeFlag = HUGE_FLAGS[options.huge];
  }
  const node = options.node === undefined ? -1 : expectIntegerIn(action, "node", options.node, 0, 1023);
  return {
    dim,
    metric,
    storage,
    m: expectIntegerIn(action, "m", options.m ?? 16, 2, 256),
    efConstruction: expectIntegerIn(action, "efConstruction", options.efConstruction ?? 200, 1, 4096),
    efSearch: expectIntegerIn(action, "efSearch", options.efSearch ?? 64, 1, 4096),
    capacity: expectIntegerIn(action, "capacity", options.capacity ?? 16, 1, 2 ** 32 - 2),
    flags: (rerank ? 1 : 0) | (hugeFlag << 1),
    node,
    scale,
  };
}

function metricOf(action: string, storage: number, metric: unknown): number {
  if (metric === undefined) return storage === BINARY ? METRICS.hamming : METRICS.cosine;
  if (typeof metric !== "string" || !Object.hasOwn(METRICS, metric)) {
    throw new RangeError(
      `Cannot ${action}: metric must be one of ${Object.keys(METRICS).map((name) => `"${name}"`).join(", ")}, got ${
        describe(metric)
      }`,
    );
  }
  const code = METRICS[metric as Metric];
  if (code === METRICS.hamming && storage !== BINARY) {
    throw new TypeError(`Cannot ${action}: metric "hamming" needs storage "binary"`);
  }
  return code;
}
