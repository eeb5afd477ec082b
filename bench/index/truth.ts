/**
 * Ground truth for recall: each query's exact top-k by cosine, found by offheap's exact
 * `VectorStore` search (src/vector_store/), and recall@k of an approximate answer against it. The
 * truth is kept in bench/.data/truth/ (git-ignored), keyed by the data set's spec, so the second
 * runtime of a run and the peers' child read it instead of scanning again (10k queries over 390k
 * GloVe rows take about a minute).
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { repositoryRoot } from "../lib/runtime.ts";
import type { Offheap } from "../lib/offheap.ts";
import { type Dataset, datasetKey, type DatasetSpec } from "./datasets.ts";

/** The k of recall@k throughout the suite. */
export const K = 10;

/** Where the truth of `spec` is cached: `queries × K` u32 row numbers. */
export function truthPath(spec: DatasetSpec): string {
  return `${repositoryRoot()}/bench/.data/truth/${datasetKey(spec)}-cosine-k${K}.u32`;
}

/** The cached truth of `spec`, or undefined when there is none of the right size. */
export function readTruth(spec: DatasetSpec): Uint32Array | undefined {
  const path = truthPath(spec);
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  if (bytes.byteLength !== spec.queries * K * 4) return undefined;
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/**
 * Each query's exact top-K row numbers (best first), from the cache or from an exact `VectorStore`
 * search of the base set (then cached).
 */
export function groundTruth(offheap: Offheap, data: Dataset): Uint32Array {
  const cached = readTruth(data.spec);
  if (cached) return cached;
  const store = new offheap.VectorStore({ dim: data.dim, metric: "cosine", capacity: data.rows });
  const truth = new Uint32Array(data.queryCount * K);
  try {
    store.addBatch(data.base);
    if (store.size !== data.rows) throw new Error(`the exact store holds ${store.size} of ${data.rows} rows`);
    // Store ids are 0, 1, 2, … in insertion order: the base set's row numbers.
    const chunk = 256;
    for (let from = 0; from < data.queryCount; from += chunk) {
      const to = Math.min(data.queryCount, from + chunk);
      const results = store.searchBatch(data.queries.subarray(from * data.dim, to * data.dim), { k: K });
      results.forEach((result, i) => truth.set(result.ids, (from + i) * K));
    }
  } finally {
    store.free();
  }
  const path = truthPath(data.spec);
  mkdirSync(path.replace(/\/[^/]*$/, ""), { recursive: true });
  writeFileSync(`${path}.part`, new Uint8Array(truth.buffer));
  renameSync(`${path}.part`, path);
  return truth;
}

/**
 * recall@K: the share of each query's true top-K found among its first K answers, averaged.
 *
 * @param found `queries × K` answers (row numbers; NaN or -1 where fewer came back).
 */
export function recallAtK(found: ArrayLike<number>, truth: Uint32Array, queryCount: number): number {
  let hits = 0;
  for (let q = 0; q < queryCount; q++) {
    const base = q * K;
    for (let i = 0; i < K; i++) {
      const answer = found[base + i];
      for (let j = 0; j < K; j++) {
        if (truth[base + j] === answer) {
          hits++;
          break;
        }
      }
    }
  }
  return hits / (queryCount * K);
}
