/**
 * The part of offheap's `VectorIndex` (issue 15) the index suite uses, as the library side's API
 * contract states it, and the one place that looks it up: the suite was written before the class
 * landed, and runs against whatever the loaded facade has, skipping (with a printed reason) the
 * cases whose methods it lacks (`save`/`open` for the view case, `share` for the Worker cases,
 * `get` for the metadata operation). `addBatch`'s `threads` option is its parallel build.
 *
 * @module
 */

/** A search answer: ids best first, scores in the metric's units. */
export interface IndexResult {
  ids: Float64Array;
  scores: Float32Array;
}

/** The `VectorIndex` methods the suite calls. */
export interface VectorIndexLike {
  readonly size: number;
  add(id: number, vector: Float32Array): unknown;
  /** `threads`: native builders linking the batch (the library's default: one per CPU). */
  addBatch(ids: Float64Array | number[], rows: Float32Array, options?: { threads?: number }): unknown;
  search(query: Float32Array, options: { k: number; ef?: number }): IndexResult;
  searchBatch(queries: Float32Array, options: { k: number; ef?: number }): IndexResult[];
  remove(id: number): unknown;
  has(id: number): boolean;
  get?(id: number): unknown;
  stats(): { memoryBytes: number } & Record<string, unknown>;
  save?(path: string): unknown;
  share?(): unknown;
  free(): void;
}

/** The options the suite builds indexes with. */
export interface VectorIndexOptions {
  dim: number;
  metric: "cosine";
  m: number;
  efConstruction: number;
  efSearch: number;
  capacity: number;
}

/** The `VectorIndex` class. */
export interface VectorIndexClass {
  new (options: VectorIndexOptions): VectorIndexLike;
  open?(source: unknown, options?: { mode: "load" | "view" }): VectorIndexLike;
}

/** The loaded facade's `VectorIndex`, or why there is none. */
export function vectorIndexClass(offheap: object): VectorIndexClass | string {
  const found = (offheap as { VectorIndex?: unknown }).VectorIndex;
  return typeof found === "function" ? found as VectorIndexClass : "offheap has no VectorIndex yet (issue 15)";
}

/** M, efConstruction and the search-time default of every index in the suite, offheap's and the peers'. */
export const INDEX_PARAMETERS = { m: 16, efConstruction: 200, efSearch: 64 } as const;

/** The options of an index of `dim` and `capacity` with the suite's parameters. */
export function indexOptions(dim: number, capacity: number): VectorIndexOptions {
  return { dim, metric: "cosine", ...INDEX_PARAMETERS, capacity };
}
