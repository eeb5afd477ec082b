/**
 * offheap: off-heap memory and SIMD vector kernels for Deno and Bun.
 *
 * Memory the GC never scans or copies, placed and aligned as asked, exposed zero-copy as typed
 * arrays, and shared by every Worker of the process.
 *
 * @example
 * ```ts
 * import { heap, vectors } from "@offheap/offheap";
 * using a = heap.alloc(768 * 4, { align: 64 });
 * using b = heap.alloc(768 * 4, { align: 64 });
 * a.f32().fill(1);
 * b.f32().fill(2);
 * console.log(vectors.dot(a.f32(), b.f32())); // 1536
 * ```
 *
 * @module
 */
export { heap } from "./src/heap/heap.ts";
export type { Heap } from "./src/heap/heap.ts";
export type { Advice, AllocOptions, HeapOptions, HugeMode, NumaMode, NumaPolicy } from "./src/heap/options.ts";
export { OffheapBuffer } from "./src/heap/buffer.ts";
export type { LeakRecord } from "./src/heap/buffer.ts";
export type { Backing } from "./src/heap/queries.ts";
export { OffheapError } from "./src/errors.ts";
export type { OffheapErrorCode } from "./src/errors.ts";
export type { HeapStats, Tier, TierStats } from "./src/heap/stats.ts";
export { vectors } from "./src/vectors/vectors.ts";
export type { SimdLevel, Vectors } from "./src/vectors/vectors.ts";
export type { ElementType, Metric, VectorArray } from "./src/vectors/elements.ts";
export type { CrossOptions, Matrix, MatrixAddress, ScanOptions } from "./src/vectors/scan.ts";
export type { SearchResult } from "./src/vectors/kernels.ts";
export { loadLibrary } from "./src/ffi/load.ts";
export type { LoadedLibrary, LoadOptions } from "./src/ffi/load.ts";
export { checkDescriptor } from "./src/heap/share.ts";
export type { BufferDescriptor } from "./src/heap/share.ts";
export { collectThreadHeaps, releaseThreadHeap, threadHeapStats } from "./src/heap/threads.ts";
export type { ThreadHeapStats } from "./src/heap/threads.ts";
export { quantize } from "./src/vectors/quantize.ts";
export type { Quantize } from "./src/vectors/quantize.ts";
export { VectorStore } from "./src/vector_store/store.ts";
export type {
  SearchOptions,
  VectorBatch,
  VectorStoreDescriptor,
  VectorStoreOptions,
} from "./src/vector_store/options.ts";
export { ParallelSearch } from "./src/vector_store/parallel_search.ts";
export type { ParallelSearchOptions, SliceReply, SliceRequest } from "./src/vector_store/parallel_search.ts";
export { Cache } from "./src/cache/cache.ts";
export type { CacheOptions, CachePolicy, SetOptions } from "./src/cache/options.ts";
export type { CacheKey } from "./src/cache/keys.ts";
export type { CacheValue } from "./src/cache/values.ts";
export type { CacheStats } from "./src/cache/stats.ts";
export type { CacheLoader } from "./src/cache/fetch.ts";
export type { CacheDescriptor } from "./src/cache/share.ts";
export { Pool, PoolBlock } from "./src/pool/pool.ts";
export type { PoolDescriptor, PoolStats } from "./src/pool/pool.ts";
export type { PoolOptions, PoolPreset, PoolPresetName } from "./src/pool/options.ts";
export { Arena } from "./src/arena/arena.ts";
export type { ArenaOptions, ArenaScope, ArenaStats } from "./src/arena/arena.ts";
export { VectorIndex } from "./src/vector_index/vector_index.ts";
export type {
  AddBatchOptions,
  AddOptions,
  IndexSearchOptions,
  IndexSearchResult,
  VectorIndexOptions,
  VectorIndexStats,
} from "./src/vector_index/options.ts";
export type { IndexFilter, LabelFilter } from "./src/vector_index/filter.ts";
export type { IndexOpenOptions } from "./src/vector_index/persist.ts";
export type { VectorIndexDescriptor } from "./src/vector_index/share.ts";
