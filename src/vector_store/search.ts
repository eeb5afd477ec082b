/**
 * Exact search over a store's rows: one native scan with top-k selection inside it, then slots
 * mapped back to ids and i8 scores back to f32 units. Also {@linkcode recall}, which measures what
 * compact storage costs against an exact store.
 *
 * @module
 */
import { vectors } from "../vectors/vectors.ts";
import type { SearchResult } from "../vectors/kernels.ts";
import { F32, I8, METRICS, type VectorArray } from "../vectors/elements.ts";
import type { SearchOptions, StoreShape, VectorBatch } from "./options.ts";
import type { RowStorage } from "./rows.ts";
import type { IdMap } from "./ids.ts";
import { VectorStore } from "./store.ts";

/** The `k` best slots of the first `size` rows for `query` (already in the storage type). */
export function scanRows(shape: StoreShape, rows: RowStorage, size: number, query: VectorArray, k: number): SearchResult {
  return vectors.topK(query, rows.buffer, k, { metric: shape.metricName, stride: shape.rowDim, rows: size });
}

/** Maps slots to ids and i8 scores back to f32 units, in place. */
export function finishResult(shape: StoreShape, scale: number | undefined, ids: IdMap, result: SearchResult): SearchResult {
  ids.toIds(result.ids);
  const { scores } = result;
  const metric = shape.metric;
  if (shape.code === I8 && shape.inputCode === F32 && (metric === METRICS.dot || metric === METRICS.l2sq)) {
    const factor = 1 / (scale! * scale!);
    for (let index = 0; index < scores.length; index++) scores[index] *= factor;
  }
  return result;
}

/**
 * Recall@k of a compact store against an exact one: for each query, the fraction of
 * `reference`'s top-k ids that `candidate` also returns, averaged over the queries. Both stores
 * must hold the same vectors under the same ids (add them in the same order). `VectorStore.recall`
 * is this function.
 *
 * @param reference Usually an f32 store: the ground truth.
 * @param candidate Usually an f16, i8 or binary store of the same f32 input.
 * @param queries Queries of the stores' input type.
 * @param options `k`.
 * @returns A number from 0 to 1 (1 when every query's top-k matches).
 * @throws {TypeError} If either store is not a `VectorStore`, or they take different vectors.
 *
 * @example
 * ```ts
 * import { VectorStore } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using exact = new VectorStore({ dim: 4 });
 * using compact = new VectorStore({ dim: 4, storage: "f16" });
 * const rows = Float32Array.from({ length: 4 * 50 }, (_, i) => Math.cos(i));
 * exact.addBatch(rows);
 * compact.addBatch(rows);
 * assert.ok(VectorStore.recall(exact, compact, rows.subarray(0, 40), { k: 3 }) > 0.9);
 * ```
 */
export function recall(reference: VectorStore, candidate: VectorStore, queries: VectorBatch, options: SearchOptions): number {
  const action = "compute recall";
  if (!(reference instanceof VectorStore) || !(candidate instanceof VectorStore)) {
    throw new TypeError(`Cannot ${action}: reference and candidate must be VectorStores`);
  }
  if (reference.dim !== candidate.dim || reference.type !== candidate.type) {
    throw new TypeError(
      `Cannot ${action}: the stores take different vectors (${reference.type}×${reference.dim} and ${candidate.type}×${candidate.dim})`,
    );
  }
  const exact = reference.searchBatch(queries, options);
  const found = candidate.searchBatch(queries, options);
  if (exact.length === 0) return 1;
  let total = 0;
  for (let index = 0; index < exact.length; index++) {
    const truth = exact[index].ids;
    if (truth.length === 0) {
      total += 1;
      continue;
    }
    const got = new Set(found[index].ids);
    let hits = 0;
    for (const id of truth) if (got.has(id)) hits++;
    total += hits / truth.length;
  }
  return total / exact.length;
}
