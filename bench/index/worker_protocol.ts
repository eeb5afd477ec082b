/**
 * The messages between the index suite and its Workers (bench/index/index_worker.ts), and the layout
 * of the per-operation statistics a Worker writes into shared memory (a reply carries one number).
 * They live apart from the Worker script because importing that script runs it.
 *
 * @module
 */
import type { DatasetSpec } from "./datasets.ts";

/** The operations of the VexFS-style mix, in the order a Worker runs them. */
export const OPERATIONS = ["insert", "batch insert", "search", "get", "has", "remove"] as const;
export type Operation = typeof OPERATIONS[number];

/** Numbers per operation in a stats block. */
export const STAT_FIELDS = 7;
/** Their positions: operations done, errors, wall time of all of them, latency percentiles, items per operation. */
export const STAT = { count: 0, errors: 1, wallMs: 2, p50Ns: 3, p95Ns: 4, p99Ns: 5, itemsPerOp: 6 } as const;

/** Vectors per `addBatch` call of the "batch insert" operation. */
export const BATCH_ROWS = 100;
/**
 * `get` and `has` take tens of nanoseconds, below what one clock read resolves: they are timed in
 * groups of this many, each group's mean being one latency sample.
 */
export const METADATA_GROUP = 32;

/** How many of each operation one Worker runs. */
export interface MixCounts {
  insert: number;
  batches: number;
  search: number;
  metadata: number;
}

/** The requests an index Worker answers, one at a time. */
export type IndexRequest =
  /** Opens liboffheap from `path`, the shared index from `descriptor`, and rebuilds the data set. */
  | { op: "init"; path?: string; descriptor: unknown; spec: DatasetSpec }
  /** Runs the mix with ids of its own (`worker` picks them) and writes {@linkcode OPERATIONS}' stats to `stats`. */
  | { op: "mix"; worker: number; counts: MixCounts; stats: SharedArrayBuffer }
  /** Frees its handle of the index. */
  | { op: "close" };
